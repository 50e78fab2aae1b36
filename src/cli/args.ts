import { readFile } from 'node:fs/promises';

/** A mistake in how the CLI was called (exit code 2, with the usage). */
export class UsageError extends Error {}

export async function readJson(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${what} ${file} is not valid JSON: ${(err as Error).message}`);
  }
}

export function positionals(args: string[], names: string[], command: string): string[] {
  if (args.length !== names.length)
    throw new UsageError(
      `${command} takes ${names.map((n) => `<${n}>`).join(' ')}${args.length > names.length ? `; unexpected ${args.slice(names.length).join(' ')}` : ''}`,
    );
  return args;
}
