/** The `tfjs-train` command line (the package's `bin`): `tfjs-train <command>`. */
import { runCli } from './commands.js';

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: controller.signal });
process.exitCode = controller.signal.aborted ? 130 : code;
