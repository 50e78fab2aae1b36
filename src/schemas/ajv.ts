import type { Options } from 'ajv';

// Shared by the API's validators and the dashboard's spec editor, so both judge a spec alike and
// word their errors alike. No imports beyond types: it runs in the browser too.

/** Ajv options of every validator. */
export const AJV_OPTIONS: Options = {
  // Unknown options must be refused with a 400, not silently dropped.
  removeAdditional: false,
  useDefaults: true,
  // Lets a `type`-tagged union (layers, optimizers) report the errors of the branch it names.
  discriminator: true,
  allErrors: false,
  // Errors carry their schema, so a message can list what is allowed.
  verbose: true,
  // TypeBox adds its own markers (`~kind`) to schemas.
  strict: false,
};

export interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
  /** Present with Ajv's `verbose` option. */
  parentSchema?: { oneOf?: Array<{ properties?: Record<string, { const?: unknown }> }>; properties?: Record<string, unknown> };
}

/** The tags a discriminated union accepts, read from its branches. */
function allowedTags(error: AjvError, tag: string): string[] {
  return (error.parentSchema?.oneOf ?? []).map((branch) => String(branch.properties?.[tag]?.const)).filter((t) => t !== 'undefined');
}

/** Turns one Ajv error into `{ path, message }` that names the field and what is allowed. */
export function describeAjvError(error: AjvError, part: string): { path: string; message: string } {
  const prefix = part === 'body' ? '' : `/${part}`;
  const { keyword, params } = error;
  if (keyword === 'additionalProperties') {
    const prop = String(params.additionalProperty);
    return { path: `${prefix}${error.instancePath}/${prop}`, message: `unknown option "${prop}"` };
  }
  if (keyword === 'required') {
    const prop = String(params.missingProperty);
    return { path: `${prefix}${error.instancePath}/${prop}`, message: 'is required' };
  }
  if (keyword === 'discriminator' && params.error === 'mapping') {
    const tag = String(params.tag);
    const allowed = allowedTags(error, tag);
    const value = JSON.stringify(params.tagValue);
    return { path: `${prefix}${error.instancePath}/${tag}`, message: `unknown ${tag} ${value}${allowed.length ? `; allowed: ${allowed.join(', ')}` : ''}` };
  }
  if (keyword === 'minProperties' && params.limit === 1) {
    // An object of optional fields that needs one of them (a weight penalty's l1/l2, a webhook patch).
    const options = Object.keys(error.parentSchema?.properties ?? {});
    return { path: `${prefix}${error.instancePath}`, message: options.length ? `give at least one of: ${options.join(', ')}` : 'must not be empty' };
  }
  if (keyword === 'enum') {
    const allowed = (params.allowedValues as unknown[] | undefined) ?? [];
    return { path: `${prefix}${error.instancePath}`, message: `must be one of: ${allowed.join(', ')}` };
  }
  return { path: `${prefix}${error.instancePath}`, message: error.message ?? 'is invalid' };
}
