/**
 * Entry point, given a role: `all|api|worker|create-key` (`npm start`, `npm run start:api`, `npm run start:worker`, compiled: `npm run start:prod`).
 * all        - API and one in-process worker (what `npm start` runs)
 * api        - the HTTP API alone
 * worker     - a training worker alone (start more to scale out)
 * create-key - prints a new API key, straight from the database (`npm run create-key -- --help`)
 */
import { LOG_LEVELS } from './infra/config.js';
import { createLogger } from './infra/logging.js';
import { DataDirInUseError } from './infra/db/data-dir-lock.js';
import { createKeyCommand } from './start/create-key.js';
import { startService } from './start/service.js';
import { StartRefused } from './start/start-refused.js';

const ROLES = ['all', 'api', 'worker', 'create-key'] as const;
type Role = (typeof ROLES)[number];

const role = (process.argv[2] ?? 'all') as Role;
if (!ROLES.includes(role)) {
  console.error(`unknown role "${role}"; use one of: ${ROLES.join(', ')}`);
  process.exit(2);
}
// Before the config is read (it may be what fails); a bad LOG_LEVEL is then reported by name.
const level = (LOG_LEVELS as readonly string[]).includes(process.env.LOG_LEVEL ?? '') ? process.env.LOG_LEVEL! : 'info';
const logger = createLogger(level, { role });
const started =
  role === 'create-key'
    ? createKeyCommand(process.argv.slice(3)).then((code) => {
        process.exitCode = code;
      })
    : startService(role, logger);
started.catch((err) => {
  // A known start-up refusal is a message for the user, not a stack trace.
  if (err instanceof DataDirInUseError || err instanceof StartRefused) logger.fatal(err.message);
  else logger.fatal({ err }, `could not start: ${(err as Error).message}`);
  process.exit(1);
});
