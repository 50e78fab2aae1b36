/**
 * The JSON body of a delivery: `{ type, timestamp, data }`, where `data` names the resource (`id`,
 * `status`) and links to it. It is built from the snapshot the trigger stored with the event, so
 * every attempt of a delivery sends the same bytes, and only the tenant's own resource is in it.
 */

type Snapshot = Record<string, unknown> & { id: string };

/** Links to the resource, relative to the API's base URL. */
export function linksOf(event: string, data: Snapshot): Record<string, string> {
  if (event.startsWith('job.')) {
    const links: Record<string, string> = { self: `/jobs/${data.id}`, metrics: `/jobs/${data.id}/metrics`, events: `/jobs/${data.id}/events` };
    if (typeof data.modelId === 'string') links.model = `/models/${data.modelId}`;
    if (typeof data.studyId === 'string') links.study = `/studies/${data.studyId}`;
    return links;
  }
  if (event.startsWith('study.')) return { self: `/studies/${data.id}` };
  return { self: `/models/${data.id}`, ...(typeof data.jobId === 'string' ? { job: `/jobs/${data.jobId}` } : {}) };
}

/** PostgreSQL writes the UTC timestamps of the tables without a zone: they are given one here. */
const utc = (key: string, value: unknown) =>
  key.endsWith('At') && typeof value === 'string' && /^\d{4}-\d\d-\d\dT[\d:.]+$/.test(value) ? new Date(`${value}Z`).toISOString() : value;

/** Drops null fields: the body names what is known. */
const present = (o: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(o)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => [k, utc(k, v)]),
  );

/** The body, as the exact text that is signed and sent. */
export function webhookBody(event: string, occurredAt: Date, snapshot: Snapshot): string {
  return JSON.stringify({ type: event, timestamp: occurredAt.toISOString(), data: { ...present(snapshot), links: linksOf(event, snapshot) } });
}
