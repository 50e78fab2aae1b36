/**
 * A PostgreSQL identifier (a schema or table name) quoted for SQL text: the few statements
 * written by hand (the job reads, the weights stream, the job submission) name the configured
 * schema, which is not a bind parameter.
 */
export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;
