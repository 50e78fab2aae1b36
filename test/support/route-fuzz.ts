/**
 * A fuzzer over every route of the OpenAPI document: for each route and method, fast-check
 * generates hostile requests (bodies near the schema and far from it, querystrings, path ids)
 * and the caller sends them however it likes (in-process inject in the suite, real HTTP in
 * bench/fuzz.ts). What makes an answer wrong is said once here: a 5xx other than 503 (busy,
 * a dependency down), or a 4xx without the error shape.
 *
 * Bodies are written as text, not with JSON.stringify, so they can carry what JSON.parse
 * accepts and JavaScript values cannot: `__proto__` as an own key, repeated keys, 1e400,
 * 400-digit numbers, 10,000-deep nesting.
 */
import fc from 'fast-check';
import { DEFAULT_TENANT_ID } from '../../src/core/principal.js';
import type { WireAnswer, WireRequest } from './abuse-fixtures.js';

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
}

interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  schema?: JsonSchema;
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema?: JsonSchema; example?: unknown }> };
  responses?: Record<string, { content?: Record<string, unknown> }>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
}

export interface FuzzRoute {
  method: string;
  /** The OpenAPI path, `/jobs/{id}`. */
  path: string;
  pathParams: string[];
  query: Array<{ name: string; schema: JsonSchema }>;
  headers: Array<{ name: string; schema: JsonSchema }>;
  bodies: Array<{ contentType: string; schema: JsonSchema; example?: unknown }>;
  /** Answers with an event stream, which stays open while its job runs. */
  streams: boolean;
}

export interface FuzzOptions {
  /** Ids that exist (the fixtures'): path params and `*Id` fields use them as often as unknown ones. */
  knownIds: string[];
  /** The length of the huge strings and junk bodies. */
  hugeBytes: number;
  /** False: streaming routes get only ids that do not exist (an open stream would never answer an inject). */
  streamKnownIds: boolean;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Every route and method of the document; routes that change or remove what others use come last. */
export function fuzzRoutes(doc: OpenApiDocument): FuzzRoute[] {
  const routes: FuzzRoute[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      const params = op.parameters ?? [];
      routes.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema ?? {} })),
        headers: params.filter((p) => p.in === 'header').map((p) => ({ name: p.name, schema: p.schema ?? {} })),
        bodies: Object.entries(op.requestBody?.content ?? {}).map(([contentType, c]) => ({ contentType, schema: c.schema ?? {}, example: c.example })),
        streams: Object.values(op.responses ?? {}).some((r) => Object.keys(r.content ?? {}).includes('text/event-stream')),
      });
    }
  }
  const late = (r: FuzzRoute) => (r.method === 'DELETE' || r.method === 'PATCH' ? 1 : 0);
  return routes.sort((a, b) => late(a) - late(b));
}

/** An answer the service must never give, or null. */
export function wrongAnswer(answer: WireAnswer): string | null {
  if (answer.statusCode >= 500 && answer.statusCode !== 503) return `a ${answer.statusCode}`;
  if (answer.statusCode >= 400 && answer.statusCode < 500) {
    try {
      const body = JSON.parse(answer.body);
      if (typeof body?.error !== 'string' || typeof body?.message !== 'string') return `a ${answer.statusCode} without { error, message }`;
    } catch {
      return `a ${answer.statusCode} whose body is not JSON`;
    }
  }
  return null;
}

/**
 * A body for POST /admin/keys that names an existing tenant creates a key, and the first key
 * ends keyless mode: every later request would be a 401 and the run would test nothing but
 * auth. Such bodies name an unknown tenant instead.
 */
export function keepKeyless(request: WireRequest): WireRequest {
  if (request.method !== 'POST' || !request.url.startsWith('/admin/keys') || !request.payload) return request;
  return { ...request, payload: request.payload.replace(new RegExp(DEFAULT_TENANT_ID, 'gi'), '00000000-0000-4000-8000-0000000000de') };
}

// --- JSON written as text ---

/** JSON text placed as it is. */
class Raw {
  constructor(readonly text: string) {}
}
/** An object as its entries, so keys may be `__proto__` or repeat. */
class Obj {
  constructor(readonly entries: Array<[string, Tree]>) {}
}
type Tree = null | boolean | number | string | Raw | Obj | Tree[];

export function jsonText(value: Tree): string {
  if (value instanceof Raw) return value.text;
  if (value instanceof Obj) return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  return JSON.stringify(value) ?? 'null';
}

function toTree(value: unknown): Tree {
  if (Array.isArray(value)) return value.map(toTree);
  if (value !== null && typeof value === 'object') return new Obj(Object.entries(value).map(([k, v]) => [k, toTree(v)]));
  if (typeof value === 'number' && !Number.isFinite(value)) return new Raw('1e400');
  return (value ?? null) as Tree;
}

const polluter = (key: string) => new Obj([[key, new Obj([['polluted', 'yes']])]]);

const HOSTILE_STRINGS = [
  '',
  ' ',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e400',
  'null',
  'undefined',
  'true',
  '0',
  '-1',
  '1.5',
  '0x10',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '../../../../etc/passwd',
  '%00',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  '😀',
  '１',
  '-271821-04-20T00:00:00.000Z',
  '+275760-09-13T00:00:00.001Z',
  '2020-13-45T99:99:99Z',
  '1970-01-01T00:00:00Z',
  'not-a-uuid',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  '${7*7}',
  'Dense',
  'float32',
  'sparse_categorical_crossentropy',
  'x'.repeat(300),
];
export const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
  'then',
  '$ref',
  '',
  'a'.repeat(1000),
  '\u0000',
  'type',
  'id',
  'length',
];

function hostileScalars(opts: FuzzOptions): fc.Arbitrary<Tree> {
  const ids = opts.knownIds.length ? [fc.constantFrom(...opts.knownIds)] : [];
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
    { weight: 2, arbitrary: fc.oneof(fc.uuid(), ...ids) },
    fc.string({ maxLength: 20 }),
    fc.string({ unit: 'binary', maxLength: 8 }),
    fc.constantFrom<Tree>(null, true, false, 0, -0, -1, 1.5, 1e308, -1e308, 2 ** 31, 2 ** 32, 2 ** 53 + 2, 5e-324, 0.1),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom('1e400', '-1e400', '1e-400', '9'.repeat(400), '-0.0e0', '1E+308').map((t) => new Raw(t)),
    // Rarely: the service reads each of these, so one per few dozen requests is plenty.
    { weight: 1, arbitrary: fc.constant(null).map(() => 'x'.repeat(opts.hugeBytes)) },
  );
}

/** Values far from any schema: scalars of every kind, empties, deep and wide nesting, prototype keys. */
export function hostileValue(opts: FuzzOptions): fc.Arbitrary<Tree> {
  return fc.oneof(
    { weight: 6, arbitrary: hostileScalars(opts) },
    fc.constantFrom<Tree>([], new Obj([]), [null], [[]], [new Obj([])]),
    fc
      .constantFrom(10, 100, 1000, 10_000)
      .chain((n) => fc.constantFrom(new Raw('['.repeat(n) + ']'.repeat(n)), new Raw('{"a":'.repeat(n) + '1' + '}'.repeat(n)))),
    fc.constantFrom(1000, 100_000).map((n) => new Raw(`[${new Array(n).fill(0).join(',')}]`)),
    fc.constantFrom(
      polluter('__proto__'),
      new Obj([['constructor', polluter('prototype')]]),
      polluter('prototype'),
      new Obj([
        ['a', 1],
        ['a', new Obj([['__proto__', 1]])],
      ]),
    ),
    fc.jsonValue({ maxDepth: 3 }).map(toTree),
  );
}

// --- Values near a schema ---

function conforming(schema: JsonSchema, name: string, depth: number, opts: FuzzOptions): fc.Arbitrary<Tree> {
  if ('const' in schema) return fc.constant(toTree(schema.const));
  if (schema.enum?.length) return fc.constantFrom(...schema.enum.map(toTree));
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches?.length) return fc.oneof(...branches.map((b) => nearSchema({ ...schema, anyOf: undefined, oneOf: undefined, ...b }, name, depth + 1, opts)));
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length > 1) return fc.oneof(...types.map((t) => conforming({ ...schema, type: t }, name, depth, opts)));
  switch (types[0]) {
    case 'object': {
      const props = Object.entries(schema.properties ?? {});
      const required = new Set(schema.required ?? []);
      const fields = props.map(([key, s]) => {
        const value = nearSchema(s, key, depth + 1, opts);
        return required.has(key)
          ? value.map((v) => [key, v] as [string, Tree])
          : fc.option(
              value.map((v) => [key, v] as [string, Tree]),
              { nil: undefined, freq: 2 },
            );
      });
      const extra = fc.option(fc.tuple(fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.string({ maxLength: 8 })), hostileValue(opts)), {
        nil: undefined,
        freq: 4,
      });
      return fc
        .tuple(fc.tuple(...fields), extra)
        .map(([entries, more]) => new Obj([...entries.filter((e): e is [string, Tree] => e !== undefined), ...(more ? [more] : [])]));
    }
    case 'array':
      return fc.array(nearSchema(schema.items ?? {}, name, depth + 1, opts), {
        minLength: Math.min(schema.minItems ?? 0, 4),
        maxLength: Math.max(Math.min(schema.maxItems ?? 4, 4), Math.min(schema.minItems ?? 0, 4)),
      });
    case 'string':
      if (schema.format === 'date-time') return fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => d.toISOString());
      if (/id$/i.test(name) && opts.knownIds.length) return fc.oneof(fc.constantFrom(...opts.knownIds), fc.uuid());
      if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern)).map((s) => s.slice(0, schema.maxLength ?? 200));
      return fc.string({
        minLength: Math.min(schema.minLength ?? 0, 12),
        maxLength: Math.max(Math.min(schema.maxLength ?? 16, 16), Math.min(schema.minLength ?? 0, 12)),
      });
    case 'integer': {
      const min = Math.max(schema.minimum ?? (schema.exclusiveMinimum ?? -11) + 1, -1e6);
      const max = Math.min(schema.maximum ?? (schema.exclusiveMaximum ?? 1001) - 1, 1e6);
      return min <= max ? fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max)) : fc.integer();
    }
    case 'number': {
      const min = Math.max(schema.minimum ?? schema.exclusiveMinimum ?? -1e3, -1e6);
      const max = Math.min(schema.maximum ?? schema.exclusiveMaximum ?? 1e3, 1e6);
      return min <= max ? fc.double({ min, max, noNaN: true }) : fc.double({ noNaN: true, noDefaultInfinity: true });
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return hostileValue(opts);
  }
}

/** Mostly what the schema asks for, sometimes (at any depth) something hostile in its place. */
export function nearSchema(schema: JsonSchema, name: string, depth: number, opts: FuzzOptions): fc.Arbitrary<Tree> {
  if (depth > 7) return hostileScalars(opts);
  return fc.oneof({ weight: 8, arbitrary: conforming(schema, name, depth, opts) }, { weight: 1, arbitrary: hostileValue(opts) });
}

type Location = Array<string | number>;

function locations(tree: Tree, at: Location = []): Location[] {
  const here = [at];
  if (Array.isArray(tree)) return here.concat(tree.flatMap((v, i) => locations(v, [...at, i])));
  if (tree instanceof Obj) return here.concat(tree.entries.flatMap(([, v], i) => locations(v, [...at, i])));
  return here;
}

type Mutation = { op: 'drop' | 'replace' | 'add'; at: number; key: string; value: Tree };

/** The example with values dropped, replaced or added at random places (a copy: `toTree` builds a new tree each time). */
function mutate(example: unknown, mutations: Mutation[]): Tree {
  const root = toTree(example);
  for (const m of mutations) {
    const locs = locations(root);
    const path = locs[m.at % locs.length];
    if (path.length === 0) {
      if (m.op === 'add' && root instanceof Obj) root.entries.push([m.key, m.value]);
      continue;
    }
    let parent: Tree = root;
    for (const i of path.slice(0, -1)) parent = Array.isArray(parent) ? parent[i as number] : (parent as Obj).entries[i as number][1];
    const i = path[path.length - 1] as number;
    const node = Array.isArray(parent) ? parent[i] : (parent as Obj).entries[i][1];
    if (m.op === 'add' && node instanceof Obj) node.entries.push([m.key, m.value]);
    else if (m.op === 'add' && Array.isArray(node)) node.push(m.value);
    else if (m.op === 'drop' && Array.isArray(parent)) parent.splice(i, 1);
    else if (m.op === 'drop') (parent as Obj).entries.splice(i, 1);
    else if (Array.isArray(parent)) parent[i] = m.value;
    else (parent as Obj).entries[i][1] = m.value;
  }
  return root;
}

function mutations(opts: FuzzOptions): fc.Arbitrary<Mutation[]> {
  const m = fc.record({
    op: fc.constantFrom('drop' as const, 'replace' as const, 'add' as const),
    at: fc.nat(),
    key: fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.string({ maxLength: 8 })),
    value: hostileValue(opts),
  });
  return fc.array(m, { minLength: 1, maxLength: 3 });
}

const WRONG_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'application/json; charset=latin1',
  'application/JSON',
  'application/octet-stream',
  'application/xml',
  'application/json, text/plain',
];

function rawTexts(opts: FuzzOptions): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(
      '',
      ' ',
      '{',
      '[',
      '}',
      'nul',
      'null',
      'true',
      '0',
      '"x"',
      '\u0000',
      '{"a":1}{"b":2}',
      '{"a":1,}',
      "{'a':1}",
      '{"__proto__":{"polluted":"yes"}}',
      '{"constructor":{"prototype":{"polluted":"yes"}}}',
      '\ufeff{}',
    ),
    fc.string({ maxLength: 40 }),
    fc.constant(null).map(() => `{"junk":"${'x'.repeat(opts.hugeBytes)}"}`),
  );
}

function jsonBody(body: { schema: JsonSchema; example?: unknown }, opts: FuzzOptions): fc.Arbitrary<{ contentType?: string; text: string }> {
  const tree = fc.oneof(
    ...(body.example !== undefined ? [{ weight: 4, arbitrary: mutations(opts).map((ms) => mutate(body.example, ms)) }] : []),
    { weight: 3, arbitrary: nearSchema(body.schema, '', 0, opts) },
    { weight: 2, arbitrary: hostileValue(opts) },
  );
  return fc.oneof(
    { weight: 8, arbitrary: tree.map((t) => ({ contentType: 'application/json', text: jsonText(t) })) },
    { weight: 1, arbitrary: rawTexts(opts).map((text) => ({ contentType: 'application/json', text })) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.option(fc.constantFrom(...WRONG_TYPES), { nil: undefined }), tree).map(([contentType, t]) => ({ contentType, text: jsonText(t) })),
    },
  );
}

const CSV = fc.oneof(
  fc
    .array(
      fc.array(fc.oneof(fc.constantFrom('1', '0.5', '-2', '1e39', '', 'x', '0x10', 'NaN', 'Infinity', '"a,b"', '"', '１'), fc.string({ maxLength: 5 })), {
        minLength: 1,
        maxLength: 4,
      }),
      { maxLength: 6 },
    )
    .map((rows) => rows.map((r) => r.join(',')).join('\n')),
  fc.constantFrom('a,b,label\n1,2,0\n3,4,1\n', 'label\n', '', '\ufeffa,label\n1,0\n'),
  fc.string({ maxLength: 60 }),
);

function multipartBody(body: { schema: JsonSchema }, opts: FuzzOptions): fc.Arbitrary<{ contentType?: string; text: string }> {
  const names = Object.keys(body.schema.properties ?? {});
  const field = fc.tuple(
    fc.oneof(fc.constantFrom(...names, ...HOSTILE_KEYS.slice(0, 4)), fc.string({ maxLength: 6 })),
    fc.oneof(
      CSV,
      hostileScalars(opts).map((v) => (typeof v === 'string' ? v : jsonText(v))),
    ),
    fc.boolean(),
  );
  const framing = fc.constantFrom('ok', 'ok', 'ok', 'no-boundary', 'truncated', 'wrong-boundary', 'no-end', 'crlf-less');
  return fc.tuple(fc.array(field, { maxLength: 5 }), framing).map(([fields, how]) => {
    const b = 'fuzzb';
    const parts = fields.map(
      ([name, value, isFile]) =>
        `--${b}\r\nContent-Disposition: form-data; name="${name.replace(/["\r\n]/g, '')}"${isFile ? '; filename="f.csv"\r\nContent-Type: text/csv' : ''}\r\n\r\n${value}\r\n`,
    );
    let text = parts.join('') + (how === 'no-end' ? '' : `--${b}--\r\n`);
    if (how === 'truncated') text = text.slice(0, Math.floor(text.length / 2));
    if (how === 'crlf-less') text = text.replace(/\r\n/g, '\n');
    return { contentType: how === 'no-boundary' ? 'multipart/form-data' : `multipart/form-data; boundary=${how === 'wrong-boundary' ? 'other' : b}`, text };
  });
}

/** A route without a body mostly gets none; sometimes one anyway. */
function strayBody(opts: FuzzOptions): fc.Arbitrary<{ contentType?: string; text: string } | undefined> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: hostileValue(opts).map((t) => ({ contentType: 'application/json', text: jsonText(t) })) },
    { weight: 1, arbitrary: rawTexts(opts).map((text) => ({ contentType: 'text/plain', text })) },
  );
}

// --- URLs ---

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** Percent-encoded; a lone surrogate has no UTF-8 form, so it goes as U+FFFD. */
const encode = (text: string) => encodeURIComponent(text.replace(LONE_SURROGATE, '\ufffd'));

/** Written into the URL as they are (already percent-encoded, or deliberately not). */
const RAW_SEGMENTS = ['%', '%zz', '%00', '%E0%A4%A', '..', '.', '%2e%2e%2f', '%2F', '%20', '+', '%C0%AF'];

function pathValue(opts: FuzzOptions, known: boolean): fc.Arbitrary<string> {
  const ids =
    known && opts.knownIds.length
      ? [{ weight: 4, arbitrary: fc.constantFrom(...opts.knownIds).map(encode) }, fc.constantFrom(...opts.knownIds).map((id) => encode(id.toUpperCase()))]
      : [];
  return fc.oneof(
    ...ids,
    { weight: 3, arbitrary: fc.uuid() },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(
          'not-a-uuid',
          '0',
          '-1',
          '__proto__',
          'constructor',
          'prototype',
          'null',
          'undefined',
          'x'.repeat(101),
          'x'.repeat(5000),
          '00000000-0000-0000-0000-000000000000',
          'model.json',
          'weights.bin',
          'group1-shard1of1.bin',
          '😀',
        )
        .map(encode),
    },
    fc.constantFrom(...RAW_SEGMENTS),
    fc.string({ maxLength: 12 }).map(encode),
  );
}

function queryValue(schema: JsonSchema, name: string, opts: FuzzOptions): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: conforming(schema, name, 5, opts).map((v) => (typeof v === 'string' ? v : jsonText(v))) },
    { weight: 3, arbitrary: hostileScalars(opts).map((v) => (typeof v === 'string' ? v.slice(0, 8000) : jsonText(v))) },
    fc.constantFrom('[]', '{}', '1,2', '0x10', ' 1', '1 ', '+1', '-0', '1e3', '01'),
  );
}

function querystring(route: FuzzRoute, opts: FuzzOptions): fc.Arbitrary<string> {
  const known = route.query.map((q) =>
    fc.option(
      fc.array(queryValue(q.schema, q.name, opts), { minLength: 1, maxLength: 2 }).map((vs) => vs.map((v) => [q.name, v] as [string, string])),
      { nil: undefined, freq: 2 },
    ),
  );
  const extra = fc.option(
    fc.tuple(
      fc.constantFrom(
        '__proto__',
        'constructor',
        '__proto__[polluted]',
        'constructor[prototype][polluted]',
        'a[b][c]',
        'toString',
        'hasOwnProperty',
        'limit',
        '',
      ),
      fc.constantFrom('1', 'yes', '', '[]'),
    ),
    { nil: undefined, freq: 4 },
  );
  const tail = fc.option(fc.constantFrom('&&', '=', '&=&', '%', '%zz', '&a=%E0%A4%A', '#frag', '&a'), { nil: undefined, freq: 8 });
  return fc.tuple(fc.tuple(...known), extra, tail).map(([pairs, more, rawTail]) => {
    const all = [...pairs.flatMap((p) => p ?? []), ...(more ? [more] : [])];
    const text = all.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&') + (rawTail ?? '');
    return text ? `?${text}` : '';
  });
}

function headerValue(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom('', '-1', '0', '1e400', 'NaN', '99999999999999999999', '__proto__', 'x'.repeat(200)),
    fc.stringMatching(/^[\x21-\x7e]{0,30}$/),
  );
}

/** Hostile requests for one route. */
export function requestsFor(route: FuzzRoute, opts: FuzzOptions): fc.Arbitrary<WireRequest> {
  const knownInPath = !route.streams || opts.streamKnownIds;
  const params = fc.tuple(...route.pathParams.map(() => pathValue(opts, knownInPath)));
  const bodies = route.bodies.map((b) => (b.contentType.startsWith('multipart/') ? multipartBody(b, opts) : jsonBody(b, opts)));
  const body = bodies.length ? fc.oneof(...bodies) : strayBody(opts);
  const headers = fc.tuple(
    ...route.headers.map((h) =>
      fc.option(
        headerValue().map((v) => [h.name, v] as [string, string]),
        { nil: undefined },
      ),
    ),
  );
  return fc.tuple(params, querystring(route, opts), body, headers).map(([values, query, b, extra]) => {
    let i = 0;
    const url = route.path.replace(/\{[^}]+\}/g, () => values[i++]) + query;
    const headerPairs = Object.fromEntries(extra.filter((e): e is [string, string] => e !== undefined));
    const request: WireRequest = {
      method: route.method,
      url,
      headers: { ...headerPairs, ...(b?.contentType ? { 'content-type': b.contentType } : {}) },
      ...(b ? { payload: b.text } : {}),
    };
    return keepKeyless(request);
  });
}

/** Arbitraries are built once per route and options: a job spec's schema makes thousands of them. */
const built = new WeakMap<FuzzRoute, { opts: FuzzOptions; arbitrary: fc.Arbitrary<WireRequest> }>();

/** `count` requests for the route, the same for the same seed. */
export function sampleRequests(route: FuzzRoute, opts: FuzzOptions, count: number, seed: number): WireRequest[] {
  let entry = built.get(route);
  if (entry?.opts !== opts) built.set(route, (entry = { opts, arbitrary: requestsFor(route, opts) }));
  return fc.sample(entry.arbitrary, { numRuns: count, seed });
}

/** The request in a form short enough for a failure message. */
export function describeRequest(request: WireRequest): string {
  const payload =
    request.payload === undefined
      ? ''
      : ` ${JSON.stringify(request.payload.length > 400 ? `${request.payload.slice(0, 400)}... (${request.payload.length} chars)` : request.payload)}`;
  return `${request.method} ${request.url.slice(0, 300)} ${JSON.stringify(request.headers ?? {})}${payload}`;
}
