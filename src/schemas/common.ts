import { Type, type Static, type TSchema } from 'typebox';

/** The error body every 4xx/5xx answer carries. */
export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: 'Machine-readable error code, e.g. `invalid_spec`, `not_found`' }),
    message: Type.String({ description: 'What went wrong and what to change' }),
    details: Type.Optional(
      Type.Array(
        Type.Object({
          path: Type.String({ description: 'JSON pointer to the offending field, e.g. `/model/layers/2/units`' }),
          message: Type.String({ description: 'What is wrong with it and what is allowed' }),
        }),
        { description: 'The fields at fault (validation errors), at most 10' },
      ),
    ),
    requestId: Type.Optional(Type.String({ description: 'On 500 and 503: the id under which the server logged what went wrong' })),
    quota: Type.Optional(Type.String({ description: 'On 403 `quota_exceeded`: the quota, `QUOTA_QUEUED_JOBS`, `QUOTA_RUNNING_JOBS` or `QUOTA_STORAGE_MB`' })),
    limit: Type.Optional(Type.Number({ description: "On 403 `quota_exceeded`: the tenant's limit (jobs, or MB for storage)" })),
    use: Type.Optional(Type.Number({ description: "On 403 `quota_exceeded`: the tenant's use now, in the same unit" })),
  },
  { title: 'ErrorBody', description: 'An error: a code, a message and the fields at fault' },
);
export type ErrorBody = Static<typeof ErrorBody>;

export const IdParams = Type.Object({ id: Type.String({ description: 'The resource id', maxLength: 100 }) });

/**
 * A union discriminated by `type`: Ajv (with `discriminator: true`) then reports errors of the
 * one branch the `type` names instead of every branch's complaints.
 */
export function TaggedUnion<T extends TSchema[]>(variants: [...T], options: Record<string, unknown> = {}) {
  return Type.Unsafe<Static<ReturnType<typeof Type.Union<[...T]>>>>({
    ...options,
    type: 'object',
    required: ['type'],
    discriminator: { propertyName: 'type' },
    oneOf: variants,
  });
}

/** Cursor pagination answer. */
export function Page<T extends TSchema>(item: T, title: string) {
  return Type.Object(
    {
      items: Type.Array(item, { description: 'This page, newest first' }),
      nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `?cursor=` for the next page; null on the last' }),
    },
    { title },
  );
}

/** A choice among fixed strings (JSON Schema `enum`); keeps the literal types. */
export function LiteralUnion<const T extends string[]>(values: readonly [...T], options: Record<string, unknown> = {}) {
  return Type.Enum<T>(values, options);
}
