/** What a CLI command reads and writes: its streams and environment (a test passes its own). */
export interface Io {
  stdout: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(s: string): unknown };
  env: Record<string, string | undefined>;
  signal?: AbortSignal;
}
