/**
 * The two hot reads, GET /jobs/:id and GET /jobs, as one SQL statement each.
 *
 * Through Prisma (`findFirst`/`findMany` with `include: { epochs: { take: 1 }, model }`) each was
 * three queries, one after the other, and the epochs query read every epoch of every run on the
 * page (the `take: 1` was applied in memory after fetching them all): a page of 20 jobs with 1,000
 * epochs each read 20,000 rows to show 20. Here a LATERAL subquery reads the last epoch by the
 * (runId, epoch) primary key, the model id comes from a join, and the page is one round trip.
 * They run on the client's own pg pool as named prepared statements (planned once per
 * connection; no query-engine work per call), which the profile showed to be most of the rest.
 * The profile behind this: `npm run bench:profile -- job` (and `-- list`).
 */
import { poolOf, type Db } from '../../infra/db/prisma.js';
import { quoteIdent, statementName } from '../../infra/db/sql.js';
import { decodeCursor } from '../../infra/db/pagination.js';

/** The last epoch's columns a read joins in (all null before the first epoch ends). */
interface LastEpochColumns {
  epoch: number | null;
  phase: string | null;
  loss: number | null;
  accuracy: number | null;
  valLoss: number | null;
  valAccuracy: number | null;
  durationMs: number | null;
}

/** A run as the job endpoints show it: the run's columns, its last epoch and its model's id. */
export interface JobRow extends LastEpochColumns {
  id: string;
  name: string | null;
  status: string;
  backend: string | null;
  error: string | null;
  attempts: number;
  resumedFromEpoch: number | null;
  retryOf: string | null;
  evaluation: unknown;
  warnings: unknown;
  diagnosticWarnings: unknown;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  studyId: string | null;
  trialIndex: number | null;
  trialParameters: unknown;
  spec?: unknown;
  seed: unknown;
  environment: unknown;
  modelId: string | null;
}

/** The run's columns, its model's id and its last epoch; timestamps as UTC instants. */
function selectJobs(schema: string, withSpec: boolean): string {
  const t = (name: string) => `${quoteIdent(schema)}.${quoteIdent(name)}`;
  return `SELECT r.id, r.name, r.status::text AS status, r.backend, r.error, r.attempts, r."resumedFromEpoch", r."retryOf",
       r.evaluation, r.warnings, r."diagnosticWarnings",
       r."createdAt" AT TIME ZONE 'UTC' AS "createdAt", r."startedAt" AT TIME ZONE 'UTC' AS "startedAt", r."finishedAt" AT TIME ZONE 'UTC' AS "finishedAt",
       r."studyId", r."trialIndex", r."trialParameters", r.seed, r.environment,${withSpec ? ' r.spec,' : ''}
       m.id AS "modelId", e.epoch, e.phase, e.loss, e.accuracy, e."valLoss", e."valAccuracy", e."durationMs"
FROM ${t('Run')} r
LEFT JOIN ${t('Model')} m ON m."jobId" = r.id
${lastEpochJoin(schema)}`;
}

/** The last epoch of run `r` as `e` (null columns when it has none), read by the (runId, epoch) primary key. */
function lastEpochJoin(schema: string): string {
  return `LEFT JOIN LATERAL (
  SELECT epoch, phase, loss, accuracy, "valLoss", "valAccuracy", "durationMs"
  FROM ${quoteIdent(schema)}.${quoteIdent('EpochMetric')} WHERE "runId" = r.id ORDER BY epoch DESC LIMIT 1
) e ON true`;
}

/**
 * Runs a read on the client's pg pool as a named prepared statement; through Prisma's raw query
 * when the pool is not up yet (Prisma connects on its first query) or the client has none.
 */
async function query<T>(db: Db, text: string, values: unknown[]): Promise<T[]> {
  const pool = poolOf(db);
  if (!pool) return db.$queryRawUnsafe<T[]>(text, ...values);
  return (await pool.query({ name: statementName(text), text, values })).rows as T[];
}

/** One job (with its spec), if it exists and `tenantId` (undefined: any tenant) owns it. */
export async function readJob(db: Db, schema: string, id: string, tenantId: string | undefined): Promise<JobRow | null> {
  const values: unknown[] = [id];
  let text = `${selectJobs(schema, true)}\nWHERE r.id = $1::uuid`;
  if (tenantId !== undefined) {
    values.push(tenantId);
    text += ` AND r."tenantId" = $2::uuid`;
  }
  return (await query<JobRow>(db, text, values))[0] ?? null;
}

export interface JobFilter {
  tenantId?: string;
  status?: string;
  name?: string;
  studyId?: string;
  cursor?: string;
}

/** `LIKE` pattern for "contains `text`": its own %, _ and \ taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Up to `take` jobs, newest first (createdAt, then id), after the cursor's row. */
export async function readJobPage(db: Db, schema: string, filter: JobFilter, take: number): Promise<JobRow[]> {
  const values: unknown[] = [];
  const where: string[] = [];
  const param = (value: unknown, cast = '') => {
    values.push(value);
    return `$${values.length}${cast}`;
  };
  if (filter.tenantId !== undefined) where.push(`r."tenantId" = ${param(filter.tenantId, '::uuid')}`);
  if (filter.status !== undefined) where.push(`r.status = ${param(filter.status, `::${quoteIdent(schema)}."RunStatus"`)}`);
  if (filter.name !== undefined) where.push(`r.name ILIKE ${param(containsPattern(filter.name))}`);
  if (filter.studyId !== undefined) where.push(`r."studyId" = ${param(filter.studyId, '::uuid')}`);
  const at = decodeCursor(filter.cursor);
  // createdAt is a timestamp without time zone holding UTC, as Prisma writes it.
  if (at) where.push(`(r."createdAt", r.id) < (${param(at.createdAt.toISOString(), '::timestamp')}, ${param(at.id, '::uuid')})`);
  const text = `${selectJobs(schema, false)}\n${where.length ? `WHERE ${where.join(' AND ')}\n` : ''}ORDER BY r."createdAt" DESC, r.id DESC LIMIT ${param(take, '::int')}`;
  return query<JobRow>(db, text, values);
}

/** A study's trial run as GET /studies/:id reads it: a few columns and its last epoch. */
export interface TrialRunRow extends LastEpochColumns {
  id: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  trialIndex: number | null;
  stoppedAtEpoch: number | null;
  warnings: unknown;
  diagnosticWarnings: unknown;
}

/**
 * Every trial run of a study with its last epoch, in one statement: through Prisma
 * (`epochs: { take: 1 }`) every epoch of every trial was read to keep one each.
 */
export async function readStudyTrialRuns(db: Db, schema: string, studyId: string): Promise<TrialRunRow[]> {
  const text = `SELECT r.id, r.status::text AS status, r."trialIndex", r."stoppedAtEpoch", r.warnings, r."diagnosticWarnings",
       e.epoch, e.phase, e.loss, e.accuracy, e."valLoss", e."valAccuracy", e."durationMs"
FROM ${quoteIdent(schema)}.${quoteIdent('Run')} r
${lastEpochJoin(schema)}
WHERE r."studyId" = $1::uuid`;
  return query<TrialRunRow>(db, text, [studyId]);
}
