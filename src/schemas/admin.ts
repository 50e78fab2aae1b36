import { Type, type Static } from 'typebox';
import { LiteralUnion } from './common.js';

export const Quotas = Type.Object(
  {
    queuedJobs: Type.Optional(Type.Integer({ minimum: 0, description: 'Queued jobs at once (0: no limit); default QUOTA_QUEUED_JOBS' })),
    runningJobs: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Running jobs at once; more wait in the queue (0: no limit); default QUOTA_RUNNING_JOBS' }),
    ),
    storageMb: Type.Optional(
      Type.Number({ minimum: 0, description: 'Stored datasets, models and checkpoints, in MB (0: no limit); default QUOTA_STORAGE_MB' }),
    ),
  },
  { additionalProperties: false, title: 'Quotas', description: "A tenant's own limits; an absent one takes the service default" },
);

export const TenantCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', description: 'Unique name: letters, digits, `.`, `_`, `-`' }),
    quotas: Type.Optional(Quotas),
  },
  { additionalProperties: false, examples: [{ name: 'team-vision', quotas: { queuedJobs: 20, runningJobs: 2, storageMb: 2048 } }] },
);
export type TenantCreate = Static<typeof TenantCreate>;

export const Tenant = Type.Object(
  {
    id: Type.String({ description: 'Tenant id (UUID)' }),
    name: Type.String({ description: 'Unique name' }),
    quotas: Quotas,
    createdAt: Type.String({ format: 'date-time', description: 'When it was created (ISO 8601)' }),
  },
  { title: 'Tenant' },
);

const Nullable = <T extends ReturnType<typeof Type.Integer> | ReturnType<typeof Type.Number>>(schema: T, description: string) =>
  Type.Optional(Type.Union([schema, Type.Null()], { description }));

export const TenantUpdate = Type.Object(
  {
    quotas: Type.Object(
      {
        queuedJobs: Nullable(Type.Integer({ minimum: 0 }), 'Queued jobs at once (0: no limit); null: back to QUOTA_QUEUED_JOBS'),
        runningJobs: Nullable(Type.Integer({ minimum: 0 }), 'Running jobs at once (0: no limit); null: back to QUOTA_RUNNING_JOBS'),
        storageMb: Nullable(Type.Number({ minimum: 0 }), 'Stored MB (0: no limit); null: back to QUOTA_STORAGE_MB'),
      },
      { additionalProperties: false, description: 'The quotas to change; those not named keep their value' },
    ),
  },
  { additionalProperties: false, examples: [{ quotas: { runningJobs: 2, storageMb: null } }] },
);
export type TenantUpdate = Static<typeof TenantUpdate>;

export const RoleName = LiteralUnion(['admin', 'member', 'viewer'], {
  description: '`admin`: everything, all tenants; `member`: read and write within its tenant; `viewer`: read within its tenant',
});

export const KeyCreate = Type.Object(
  {
    tenantId: Type.String({ maxLength: 100, description: 'The tenant the key acts for' }),
    role: RoleName,
    name: Type.Optional(Type.String({ maxLength: 200, description: 'What the key is for' })),
    expiresAt: Type.Optional(Type.String({ format: 'date-time', description: 'After this instant the key is refused (ISO 8601)' })),
  },
  { additionalProperties: false, examples: [{ tenantId: '00000000-0000-0000-0000-000000000001', role: 'member', name: 'CI pipeline' }] },
);
export type KeyCreate = Static<typeof KeyCreate>;

const KeyFields = {
  id: Type.String({ description: 'Key id (UUID): revoke with DELETE /admin/keys/{id}' }),
  prefix: Type.String({ description: 'The public start of the key, to recognise it' }),
  tenantId: Type.String({ description: 'The tenant the key acts for' }),
  role: RoleName,
  name: Type.Union([Type.String(), Type.Null()], { description: 'What the key is for' }),
  expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'When it stops working; null: never' }),
  createdAt: Type.String({ format: 'date-time', description: 'When it was created' }),
};

export const KeyCreated = Type.Object(
  { ...KeyFields, key: Type.String({ description: 'The secret: send it as `Authorization: Bearer <key>`. Shown only in this answer' }) },
  { title: 'KeyCreated' },
);

export const KeyInfo = Type.Object(
  {
    ...KeyFields,
    revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'When it was revoked; null: active' }),
    lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'Last request with it (to the minute)' }),
  },
  { title: 'KeyInfo' },
);

export const AuditEvent = Type.Object(
  {
    id: Type.String({ description: 'Event id' }),
    at: Type.String({ format: 'date-time', description: 'When it happened' }),
    keyId: Type.Union([Type.String(), Type.Null()], { description: 'The key that acted: a key id, `env:ADMIN_API_KEY`, or null in open mode' }),
    tenantId: Type.Union([Type.String(), Type.Null()], { description: 'The tenant of that key' }),
    action: Type.String({ description: '`create`, `cancel`, `delete`, `share`, `unshare`, `revoke`, ...' }),
    resource: Type.String({ description: '`job`, `dataset`, `model`, `key`, `tenant`, `share`' }),
    resourceId: Type.Union([Type.String(), Type.Null()], { description: 'The id of what was acted on' }),
    detail: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], {
      description: 'More about it: the role of a new key, the tenant of a share, ...',
    }),
  },
  { title: 'AuditEvent' },
);

export const AuditQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'Events per page' })),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: '`nextCursor` of the previous page' })),
    tenantId: Type.Optional(Type.String({ maxLength: 100, description: 'Only events of keys of this tenant' })),
    action: Type.Optional(Type.String({ maxLength: 50, description: 'Only this action' })),
  },
  { additionalProperties: false },
);
