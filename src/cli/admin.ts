import type { AdminClient } from '../sdk/index.js';
import { UsageError as CliUsageError } from './args.js';

/** The CLI's lifecycle, sharing and admin commands (USAGE lists them). */
export const ADMIN_USAGE = `  delete <job|dataset|model> <id>  delete an ended job, an uploaded dataset or a model
  share <modelId> <tenantId>     let another tenant read a model and build on it; unshare: same arguments
  usage [--tenant id]            your tenant's jobs and stored bytes against its quotas (--tenant: admins)
  tenants list | tenants create <name> | tenants quotas <tenantId> <quota>=<n|null>...   (admin key)
                                 quotas: queuedJobs, runningJobs, storageMb; null: back to the default
  keys list | keys create <tenantId> <admin|member|viewer> [--name n] | keys revoke <keyId>   (admin key)`;

function exactly(args: string[], count: number, usage: string): string[] {
  if (args.length !== count) throw new CliUsageError(`usage: tfjs-train ${usage}`);
  return args;
}

const QUOTA_NAMES = ['queuedJobs', 'runningJobs', 'storageMb'] as const;

/** `queuedJobs=5 storageMb=null` -> `{ queuedJobs: 5, storageMb: null }`. */
function parseQuotas(pairs: string[]): Record<string, number | null> {
  if (pairs.length === 0) throw new CliUsageError('give at least one <quota>=<n|null>, e.g. runningJobs=2');
  const quotas: Record<string, number | null> = {};
  for (const pair of pairs) {
    const [name, value] = pair.split('=');
    if (!(QUOTA_NAMES as readonly string[]).includes(name)) throw new CliUsageError(`unknown quota "${name}"; use ${QUOTA_NAMES.join(', ')}`);
    const n = Number(value);
    if (value !== 'null' && !(value !== '' && Number.isFinite(n) && n >= 0))
      throw new CliUsageError(`${name} takes a number >= 0 or null, not "${value ?? ''}"`);
    quotas[name] = value === 'null' ? null : n;
  }
  return quotas;
}

/** Runs one of these commands; resolves with its exit code, or null for a command it does not know. */
export async function runAdminCommand(
  command: string,
  args: string[],
  client: AdminClient,
  opts: { name?: string; tenant?: string; signal?: AbortSignal },
  out: (s: string) => void,
): Promise<number | null> {
  const { signal } = opts;
  switch (command) {
    case 'delete': {
      const [kind, id] = exactly(args, 2, 'delete <job|dataset|model> <id>');
      if (kind === 'job') await client.deleteJob(id, { signal });
      else if (kind === 'dataset') await client.deleteDataset(id, { signal });
      else if (kind === 'model') await client.deleteModel(id, { signal });
      else throw new CliUsageError(`delete takes job, dataset or model, not "${kind}"`);
      out(`deleted ${kind} ${id}`);
      return 0;
    }
    case 'share':
    case 'unshare': {
      const [model, tenant] = exactly(args, 2, `${command} <modelId> <tenantId>`);
      if (command === 'share') await client.shareModel(model, tenant, { signal });
      else await client.unshareModel(model, tenant, { signal });
      out(command === 'share' ? `shared model ${model} with tenant ${tenant}` : `model ${model} is no longer shared with tenant ${tenant}`);
      return 0;
    }
    case 'usage': {
      exactly(args, 0, 'usage [--tenant id]');
      const usage = opts.tenant ? await client.tenantUsage(opts.tenant, { signal }) : await client.usage({ signal });
      out(JSON.stringify(usage, null, 2));
      return 0;
    }
    case 'tenants': {
      const [sub, ...rest] = args;
      if (sub === 'list' && rest.length === 0) {
        for (const t of await client.listTenants({ signal })) out(`${t.id}  ${t.name}  ${JSON.stringify(t.quotas)}`);
      } else if (sub === 'create') {
        const [name] = exactly(rest, 1, 'tenants create <name>');
        const tenant = await client.createTenant({ name }, { signal });
        out(`${tenant.id}  ${tenant.name}`);
      } else if (sub === 'quotas') {
        const [tenantId, ...pairs] = rest;
        if (!tenantId) throw new CliUsageError('usage: tfjs-train tenants quotas <tenantId> <quota>=<n|null>...');
        const tenant = await client.setQuotas(tenantId, parseQuotas(pairs), { signal });
        out(`${tenant.id}  ${tenant.name}  ${JSON.stringify(tenant.quotas)}`);
      } else throw new CliUsageError('usage: tfjs-train tenants list | tenants create <name> | tenants quotas <tenantId> <quota>=<n|null>...');
      return 0;
    }
    case 'keys': {
      const [sub, ...rest] = args;
      if (sub === 'list' && rest.length === 0) {
        for (const k of await client.listApiKeys({}, { signal })) {
          out(`${k.id}  ${k.prefix}  ${k.role}  tenant ${k.tenantId}${k.revokedAt ? '  revoked' : ''}${k.name ? `  ${k.name}` : ''}`);
        }
      } else if (sub === 'create') {
        const [tenantId, role] = exactly(rest, 2, 'keys create <tenantId> <admin|member|viewer> [--name n]');
        if (role !== 'admin' && role !== 'member' && role !== 'viewer') throw new CliUsageError(`the role is admin, member or viewer, not "${role}"`);
        const key = await client.createApiKey({ tenantId, role, ...(opts.name ? { name: opts.name } : {}) }, { signal });
        out(`key ${key.id} (prefix ${key.prefix}, ${key.role} of tenant ${key.tenantId}); the key is shown only now:`);
        out(key.key);
      } else if (sub === 'revoke') {
        const [id] = exactly(rest, 1, 'keys revoke <keyId>');
        await client.revokeApiKey(id, { signal });
        out(`revoked key ${id}`);
      } else throw new CliUsageError('usage: tfjs-train keys list | keys create <tenantId> <role> [--name n] | keys revoke <keyId>');
      return 0;
    }
    default:
      return null;
  }
}
