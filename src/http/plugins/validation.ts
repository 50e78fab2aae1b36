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

function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = { first: ajvWith({ coerceTypes: false }), all: ajvWith({ coerceTypes: false, allErrors: true }) };
  const lenient = { first: ajvWith({ coerceTypes: 'array' }), all: ajvWith({ coerceTypes: 'array', allErrors: true }) };
  return ({ schema, httpPart }) => reportingAllErrors(httpPart === 'body' ? strict : lenient, schema as object);
}

/**
 * For routes whose JSON body a worker thread parses and checks (`takeJsonRaw`): the
 * body passes as it came (raw bytes), every other part (params, querystring) is checked as usual.
 */
export function validatorSkippingBody(): FastifySchemaCompiler<unknown> {
  const compile = validatorCompiler();
  return (route) => (route.httpPart === 'body' ? () => true : compile(route));
}
