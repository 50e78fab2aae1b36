import { useState } from 'preact/hooks';
import { ErrorNote, StatusBadge } from '../components/Badges.js';
import { client } from '../lib/client.js';
import { fmtDate, shortId } from '../lib/format.js';
import { href } from '../lib/router.js';
import { useAsync } from '../lib/use-async.js';
import { WEBHOOK_EVENTS } from '../../../src/schemas/webhook.js';
import type { WebhookEventName } from '../../../src/sdk/index.js';

/** Settings: the tenant's webhooks, a form to add one (its secret shown once), and each one's delivery log. */
export function WebhooksPage() {
  const list = useAsync((signal) => client.listWebhooks({ signal }), []);
  const [secret, setSecret] = useState<{ id: string; secret: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const remove = async (id: string) => {
    if (!confirm('Delete this webhook and its delivery log?')) return;
    await client.deleteWebhook(id).then(list.reload, setError);
  };
  const toggle = async (id: string, enabled: boolean) => client.updateWebhook(id, { enabled }).then(list.reload, setError);
  return (
    <section>
      <h1>Webhooks</h1>
      <p>Signed notifications (Standard Webhooks) of job, study and model events. See docs/webhooks.md to verify them.</p>
      <ErrorNote error={list.error ?? error} />
      {secret && (
        <p class="note" role="status">
          Signing secret of {shortId(secret.id)}, shown only now: <code>{secret.secret}</code>
        </p>
      )}
      <div class="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">Events</th>
              <th scope="col">State</th>
              <th scope="col">Created</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.data?.map((w) => (
              <tr key={w.id}>
                <td>
                  <a href={href('webhooks', w.id)}>{w.url}</a>
                  {w.description ? ` (${w.description})` : ''}
                </td>
                <td>{w.events.join(', ')}</td>
                <td title={w.disabledReason ?? undefined}>{w.enabled ? 'enabled' : `disabled: ${w.disabledReason ?? ''}`}</td>
                <td>{fmtDate(w.createdAt)}</td>
                <td>
                  <button class="secondary" onClick={() => toggle(w.id, !w.enabled)}>
                    {w.enabled ? 'Disable' : 'Enable'}
                  </button>{' '}
                  <button class="secondary" onClick={() => remove(w.id)}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <NewWebhook
        onCreated={(created) => {
          setSecret(created);
          list.reload();
        }}
      />
    </section>
  );
}

function NewWebhook({ onCreated }: { onCreated(created: { id: string; secret: string }): void }) {
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<WebhookEventName[]>(['job.succeeded', 'job.failed']);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const created = await client.createWebhook({ url, events, ...(description ? { description } : {}) });
      setUrl('');
      setDescription('');
      onCreated(created);
    } catch (err) {
      setError(err);
    }
  };
  const flip = (name: WebhookEventName) => setEvents((now) => (now.includes(name) ? now.filter((n) => n !== name) : [...now, name]));
  return (
    <form onSubmit={submit} class="editor-form">
      <h2>Add a webhook</h2>
      <label>
        URL <input type="url" required value={url} onInput={(e) => setUrl((e.target as HTMLInputElement).value)} placeholder="https://" />
      </label>
      <label>
        Description <input value={description} maxLength={500} onInput={(e) => setDescription((e.target as HTMLInputElement).value)} />
      </label>
      <fieldset>
        <legend>Events</legend>
        {WEBHOOK_EVENTS.map((name) => (
          <label key={name}>
            <input type="checkbox" checked={events.includes(name)} onChange={() => flip(name)} /> {name}
          </label>
        ))}
      </fieldset>
      <ErrorNote error={error} />
      <button type="submit" disabled={!url || events.length === 0}>
        Add
      </button>
    </form>
  );
}

/** One webhook's delivery log, newest first, with a redeliver button on the ended ones. */
export function WebhookPage({ id }: { id: string }) {
  const hook = useAsync((signal) => client.getWebhook(id, { signal }), [id]);
  const log = useAsync((signal) => client.listWebhookDeliveries(id, { limit: 100 }, { signal }), [id]);
  const [error, setError] = useState<unknown>(null);
  const redeliver = (deliveryId: string) => client.redeliverWebhook(id, deliveryId).then(log.reload, setError);
  const w = hook.data;
  return (
    <section>
      <p>
        <a href={href('webhooks')}>Webhooks</a>
      </p>
      <h1>{w ? w.url : shortId(id)}</h1>
      <ErrorNote error={hook.error ?? log.error ?? error} />
      {w && (
        <p>
          {w.events.join(', ')}; {w.enabled ? 'enabled' : `disabled ${fmtDate(w.disabledAt)}: ${w.disabledReason ?? ''}`}
          {w.failingSince ? `; failing since ${fmtDate(w.failingSince)}` : ''}
        </p>
      )}
      <h2>Deliveries</h2>
      <button class="secondary" onClick={log.reload}>
        Refresh
      </button>
      <div class="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Answer</th>
              <th scope="col">Time</th>
              <th scope="col">At</th>
              <th scope="col">Next attempt</th>
              <th scope="col">Error</th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {log.data?.map((d) => (
              <tr key={d.id}>
                <td title={d.id}>{d.event}</td>
                <td>
                  <StatusBadge status={d.status} />
                </td>
                <td class="num">{d.attempts}</td>
                <td class="num">{d.responseStatus ?? '–'}</td>
                <td class="num">{d.responseMs === null ? '–' : `${d.responseMs} ms`}</td>
                <td>{fmtDate(d.at)}</td>
                <td>{fmtDate(d.nextAttemptAt)}</td>
                <td>{d.error ?? ''}</td>
                <td>
                  {d.status !== 'pending' && (
                    <button class="secondary" onClick={() => redeliver(d.id)}>
                      Redeliver
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
