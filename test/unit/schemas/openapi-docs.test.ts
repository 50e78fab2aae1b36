import { StudyRequest } from '../../../src/schemas/study.js';
import { exampleStudy } from '../../../src/http/routes/studies.js';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { openapiDocument } from '../../../scripts/openapi-document.js';
import { DatasetJsonBody } from '../../../src/schemas/dataset.js';
import { exampleDatasetJson, exampleJobSpec, exampleModelImport, examplePredict } from '../../../src/schemas/examples.js';
import { JobSpec } from '../../../src/schemas/job-spec.js';
import { ModelImportBody, PredictBody } from '../../../src/schemas/model.js';

/**
 * Swagger UI at /docs is the first thing a user reads: every route has a summary, every field a
 * description, and every JSON request body an example that works as is with "Try it out".
 */

type Schema = Record<string, unknown>;
interface Operation {
  summary?: string;
  parameters?: Array<{ name: string; in: string; description?: string; schema?: Schema }>;
  requestBody?: { content: Record<string, { schema?: Schema; example?: unknown }> };
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}
type Doc = { paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, Schema> } };

const isObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every property (at any depth) of `schema` that has no description, as `where` + JSON path. */
function undescribed(schema: unknown, where: string, out: string[] = []): string[] {
  if (!isObject(schema)) return out;
  if (isObject(schema.properties)) {
    for (const [key, child] of Object.entries(schema.properties)) {
      const path = `${where}.${key}`;
      const described = isObject(child) && typeof child.description === 'string' && child.description.trim() !== '';
      if (!described) out.push(path);
      undescribed(child, path, out);
    }
  }
  if (Array.isArray(schema.items)) schema.items.forEach((item, i) => undescribed(item, `${where}[${i}]`, out));
  else undescribed(schema.items, `${where}[]`, out);
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const branches = schema[key];
    if (Array.isArray(branches)) branches.forEach((branch, i) => undescribed(branch, `${where}<${key}${i}>`, out));
  }
  if (isObject(schema.additionalProperties)) undescribed(schema.additionalProperties, `${where}{*}`, out);
  if (isObject(schema.patternProperties)) for (const child of Object.values(schema.patternProperties)) undescribed(child, `${where}{*}`, out);
  return out;
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'];
function operations(doc: Doc): Array<[string, Operation]> {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]): [string, Operation] => [`${method.toUpperCase()} ${path}`, op]),
  );
}

describe('OpenAPI document for Swagger UI', () => {
  it('gives every route a summary', async () => {
    const doc = (await openapiDocument()) as Doc;
    const missing = operations(doc)
      .filter(([, op]) => typeof op.summary !== 'string' || op.summary.trim() === '')
      .map(([route]) => route);
    expect(missing, `routes without a summary:\n${missing.join('\n')}`).toEqual([]);
  });

  it('describes every parameter and every property of every request and response schema', async () => {
    const doc = (await openapiDocument()) as Doc;
    const offenders: string[] = [];
    for (const [route, op] of operations(doc)) {
      for (const param of op.parameters ?? []) {
        const where = `${route} ${param.in} parameter ${param.name}`;
        if (!param.description?.trim() && !(typeof param.schema?.description === 'string' && param.schema.description.trim())) offenders.push(where);
        undescribed(param.schema, where, offenders);
      }
      for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) undescribed(media.schema, `${route} body (${type})`, offenders);
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        for (const [type, media] of Object.entries(response.content ?? {})) undescribed(media.schema, `${route} ${status} (${type})`, offenders);
      }
    }
    for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) undescribed(schema, `#/components/schemas/${name}`, offenders);
    expect(offenders, `${offenders.length} fields without a description:\n${offenders.join('\n')}`).toEqual([]);
  });

  it('gives every JSON request body an example', async () => {
    const doc = (await openapiDocument()) as Doc;
    const missing = operations(doc)
      .filter(([, op]) => op.requestBody?.content['application/json'] && op.requestBody.content['application/json'].example === undefined)
      .map(([route]) => route);
    expect(missing, `JSON bodies without an example:\n${missing.join('\n')}`).toEqual([]);
  });
});

describe('request-body examples', () => {
  // The options the API validates JSON bodies with (src/http/plugins/validation.ts).
  const ajv = addFormats.default(
    new Ajv({ removeAdditional: false, useDefaults: false, discriminator: true, allErrors: true, strict: false, coerceTypes: false }),
  );
  const check = (schema: object, value: unknown) => {
    const validate = ajv.compile(schema);
    validate(structuredClone(value));
    return validate.errors ?? [];
  };

  it.each([
    ['POST /jobs', JobSpec, exampleJobSpec],
    ['POST /datasets', DatasetJsonBody, exampleDatasetJson],
    ['POST /models/:id/predict', PredictBody, examplePredict],
    ['POST /models', ModelImportBody, exampleModelImport],
    ['POST /studies', StudyRequest, exampleStudy],
  ])('%s example validates against its schema', (_route, schema, example) => {
    expect(check(schema, example)).toEqual([]);
  });

  it('are the examples the OpenAPI document shows', async () => {
    const doc = (await openapiDocument()) as Doc;
    const exampleOf = (path: string) => doc.paths[path]?.post?.requestBody?.content['application/json']?.example;
    expect(exampleOf('/jobs')).toEqual(exampleJobSpec);
    expect(exampleOf('/datasets')).toEqual(exampleDatasetJson);
    expect(exampleOf('/models/{id}/predict')).toEqual(examplePredict);
    expect(exampleOf('/models')).toEqual(exampleModelImport);
  });
  // That the POST /models example imports and the predict example fits it: test/integration/models-import.test.ts.
});
