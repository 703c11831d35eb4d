import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import { invalid } from './errors.js';
import { compile, ErrorBag } from './validation.js';

const inHandler = new WeakSet<object>();

/** Marks a route schema its handler checks (with more rules in the same 422); the route only documents it. */
export function checkedInHandler<S extends TSchema>(schema: S): S {
  inHandler.add(schema);
  return schema;
}

/**
 * Route validation through the Laravel translator: a route's `params` and `querystring` schemas are
 * checked before its handler, which receives the normalised value, typed from the same schema by
 * the TypeBox type provider; a failure is the catalogue's 422. Bodies pass through to the modules,
 * which check them with the same schemas because their database checks (SKUs, references) answer
 * in the same 422 (docs/decisions.md).
 */
export const laravelValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  if (httpPart === 'body' || inHandler.has(schema)) return () => true;
  const v = compile(schema);
  return (data) => {
    const bag = new ErrorBag();
    const value = v.check(data, bag);
    return bag.size > 0 ? { error: invalid(bag.toJSON(schema)) } : { value };
  };
};
