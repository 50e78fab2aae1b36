/**
 * Flattens JSON into leaf JSON Pointers -> values (`/model/layers/1/activation` -> "elu"), the
 * form in which specs are compared row by row.
 */
export function flatten(value: unknown, path = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    if (!entries.length) out.set(path || '/', value);
    for (const [k, v] of entries) flatten(v, `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, out);
  } else {
    out.set(path || '/', value);
  }
  return out;
}

export interface DiffRow {
  path: string;
  values: unknown[];
  differs: boolean;
}

/** One row per leaf present in any spec, in first-seen order; `differs` when the specs disagree. */
export function diffSpecs(specs: unknown[]): DiffRow[] {
  const flat = specs.map((s) => flatten(s));
  const paths: string[] = [];
  const seen = new Set<string>();
  for (const f of flat) {
    for (const p of f.keys()) {
      if (seen.has(p)) continue;
      seen.add(p);
      paths.push(p);
    }
  }
  return paths.map((path) => {
    const values = flat.map((f) => f.get(path));
    const first = JSON.stringify(values[0]);
    return { path, values, differs: values.some((v) => JSON.stringify(v) !== first) };
  });
}
