import { parseArgs } from 'node:util';
import { ROLES, type Role } from '../core/principal.js';
import { loadConfig } from '../infra/config.js';
import { createApiKey, findTenant } from '../features/tenants/api-keys.js';
import { audit } from '../features/tenants/audit.js';
import { openDatabase } from '../infra/db/database.js';
import { migrate } from '../infra/db/migrate.js';
import { createPrisma } from '../infra/db/prisma.js';

export const CREATE_KEY_USAGE = `Usage: npm run create-key -- [--tenant <name or id>] [--role admin|member|viewer] [--name <text>] [--create-tenant]

Creates an API key directly in the database the service uses (DATABASE_URL / DATABASE_SCHEMA, or
the embedded one under DATA_DIR) and prints it once. Use it for the first admin key; after that,
admins make keys with POST /admin/keys. Defaults: --tenant default --role admin.
--create-tenant creates the tenant when no tenant has that name.`;

/** `npm run create-key -- ...`: the bootstrap of access control without any key yet. */
export async function createKeyCommand(argv: string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        tenant: { type: 'string', default: 'default' },
        role: { type: 'string', default: 'admin' },
        name: { type: 'string' },
        'create-tenant': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    console.error(`error: ${(err as Error).message}\n\n${CREATE_KEY_USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(CREATE_KEY_USAGE);
    return 0;
  }
  if (!ROLES.includes(values.role as Role)) {
    console.error(`error: --role must be one of ${ROLES.join(', ')}, not ${values.role}`);
    return 2;
  }
  const config = loadConfig();
  const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, log: (m) => console.error(m) });
  const db = createPrisma(database.url, config.DATABASE_SCHEMA);
  try {
    await migrate({ url: database.url, schema: config.DATABASE_SCHEMA });
    let tenant = await findTenant(db, values.tenant);
    if (!tenant && values['create-tenant']) tenant = await db.tenant.create({ data: { name: values.tenant } });
    if (!tenant) {
      console.error(`error: no tenant "${values.tenant}" (add --create-tenant to create it)`);
      return 1;
    }
    const key = await createApiKey(db, { tenantId: tenant.id, role: values.role as Role, name: values.name ?? 'created with create-key' });
    await audit(db, { tenantId: tenant.id, role: 'admin', keyId: 'cli:create-key' }, 'create', 'key', key.id, {
      tenantId: tenant.id,
      role: key.role,
      prefix: key.prefix,
    });
    console.error(`created ${key.role} key ${key.id} (prefix ${key.prefix}) for tenant ${tenant.name} (${tenant.id}); it is shown only now:`);
    console.log(key.key);
    return 0;
  } finally {
    await db.$disconnect();
    await database.stop();
  }
}
