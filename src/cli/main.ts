/** The `tfjs-train` command line: `node --import tsx src/cli/main.ts <command>` (or `bin/tfjs-train.js`). */
import { runCli } from './commands.js';

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: controller.signal });
process.exitCode = controller.signal.aborted ? 130 : code;
