import { Type } from 'typebox';

const Count = (description: string) => Type.Integer({ description });

/** `GET /usage`: a tenant's jobs and stored bytes against its quotas. */
export const UsageBody = Type.Object(
  {
    tenantId: Type.String({ description: 'The tenant' }),
    queuedJobs: Count('Jobs queued now (QUOTA_QUEUED_JOBS counts them)'),
    runningJobs: Count('Jobs running now (QUOTA_RUNNING_JOBS counts them)'),
    storageBytes: Type.Object(
      {
        datasets: Count('Uploaded datasets (float32 features, int32 labels)'),
        models: Count('Stored models (weights and model.json); deleted ones count 0'),
        checkpoints: Count('Checkpoints of jobs that have not ended'),
        total: Count('All of them: what QUOTA_STORAGE_MB counts'),
      },
      { description: 'Stored bytes' },
    ),
    quotas: Type.Object(
      {
        queuedJobs: Count('Queued jobs allowed at once (0: no limit)'),
        runningJobs: Count('Running jobs allowed at once; more wait in the queue (0: no limit)'),
        storageMb: Type.Number({ description: 'Stored MB allowed (0: no limit)' }),
      },
      { description: "The limits in force: the tenant's own, else the service defaults" },
    ),
  },
  { title: 'Usage' },
);
