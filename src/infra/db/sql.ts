import { createHash } from 'node:crypto';

/**
 * A PostgreSQL identifier (a schema or table name) quoted for SQL text: the few statements
 * written by hand (the job reads, the weights stream, the job submission) name the configured
 * schema, which is not a bind parameter.
 */
export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Prepared-statement names by SQL text: PostgreSQL plans each named statement once per connection. */
const statementNames = new Map<string, string>();

/** A stable name for a statement's text (a hash: the same text always gets the same name). */
export function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `s-${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    statementNames.set(text, name);
  }
  return name;
}
