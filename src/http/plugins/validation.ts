import type { FastifyInstance, FastifySchemaCompiler } from 'fastify';
import { ajvWith, reportingAllErrors } from '../../schemas/validate.js';

/**
 * Two validators: JSON bodies are taken as typed (`"epochs": "1"` or `"units": true` is a 400,
 * not a silent conversion), while querystrings, params and headers, which are always text, are
 * converted to the types their schemas ask for.
 */
export function installValidators(app: FastifyInstance): void {
  app.setValidatorCompiler(validatorCompiler());
}

const strict = { first: ajvWith({ coerceTypes: false }), all: ajvWith({ coerceTypes: false, allErrors: true }) };
const lenient = { first: ajvWith({ coerceTypes: 'array' }), all: ajvWith({ coerceTypes: 'array', allErrors: true }) };

/**
 * Each schema's validators, compiled once per process however many apps are built: the job
 * spec's two take hundreds of milliseconds each, and tests build an app per file (several files
 * to a process). Keyed by the schema's text, as each app's routes make their schema
 * objects anew. A validator keeps no state between calls beyond `errors`, which its caller
 * reads at once.
 */
const compiled = new Map<string, ReturnType<typeof reportingAllErrors>>();

function validatorCompiler(): FastifySchemaCompiler<unknown> {
  return ({ schema, httpPart }) => {
    const isBody = httpPart === 'body';
    const key = `${isBody ? 'body' : 'text'}:${JSON.stringify(schema)}`;
    let validate = compiled.get(key);
    if (!validate) {
      validate = reportingAllErrors(isBody ? strict : lenient, schema as object);
      compiled.set(key, validate);
    }
    return validate;
  };
}

/**
 * For routes whose JSON body a worker thread parses and checks (`takeJsonRaw`): the
 * body passes as it came (raw bytes), every other part (params, querystring) is checked as usual.
 */
export function validatorSkippingBody(): FastifySchemaCompiler<unknown> {
  const compile = validatorCompiler();
  return (route) => (route.httpPart === 'body' ? () => true : compile(route));
}
