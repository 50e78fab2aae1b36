/**
 * Sizes a parsed JSON value before anything else walks it: how deep it nests and about how many
 * bytes it would take serialized. Iterative, so a 10,000-deep array is measured without growing
 * the stack, and it stops at the first limit crossed, so a 50 MB value costs no more than the
 * limit to refuse.
 */
export interface JsonLimits {
  maxDepth: number;
  maxBytes: number;
}

/** What crossed a limit, or null when the value fits. `path` is a JSON pointer under `base`. */
export function exceedsJsonLimits(value: unknown, limits: JsonLimits, base = ''): { path: string; message: string } | null {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: base, depth: 0 }];
  let bytes = 0;
  const tooBig = (path: string) => ({ path: path || '/', message: `is larger than the limit of ${limits.maxBytes.toLocaleString('en')} bytes` });
  while (stack.length > 0) {
    const item = stack.pop()!;
    const v = item.value;
    if (typeof v === 'string') bytes += v.length + 2;
    else if (typeof v === 'number' || typeof v === 'boolean' || v === null) bytes += 8;
    else if (typeof v === 'object') {
      if (item.depth >= limits.maxDepth) return { path: item.path || '/', message: `nests deeper than ${limits.maxDepth} levels` };
      if (Array.isArray(v)) {
        bytes += 2 + v.length;
        if (bytes > limits.maxBytes) return tooBig(base);
        for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: `${item.path}/${i}`, depth: item.depth + 1 });
      } else {
        const keys = Object.keys(v as object);
        bytes += 2;
        for (const key of keys) {
          bytes += key.length + 4;
          if (bytes > limits.maxBytes) return tooBig(base);
          stack.push({
            value: (v as Record<string, unknown>)[key],
            path: `${item.path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`,
            depth: item.depth + 1,
          });
        }
      }
    }
    if (bytes > limits.maxBytes) return tooBig(base);
  }
  return null;
}
