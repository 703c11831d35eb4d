import { Type, type TSchema } from '@sinclair/typebox';
import {
  badJson,
  forbidden,
  HttpError,
  invalid,
  leadHeldByAnother,
  notFound,
  tooLarge,
  tooManyAttempts,
  unauthenticated,
  unsupportedMediaType,
} from './errors.js';

// The error bodies of api-v1.md's table, for the OpenAPI document only: the routes' own `response`
// schemas stay the success bodies (Fastify serialises a response through its schema, and the error
// renderer writes these bodies itself). Each example is the catalogue's own error.

const body = (err: HttpError): TSchema =>
  err.errors
    ? Type.Object(
        { message: Type.String(), errors: Type.Record(Type.String(), Type.Array(Type.String())) },
        { examples: [err.body()], additionalProperties: false },
      )
    : Type.Object({ message: Type.String() }, { examples: [err.body()], additionalProperties: false });

const error = (description: string, err: HttpError) => ({ description, content: { 'application/json': { schema: body(err) } } });

const EVERY_ROUTE = {
  401: error('No bearer token, or an unknown, revoked or expired one; an inactive user or account', unauthenticated()),
  403: error("The token's scopes or its role do not allow this", forbidden()),
  404: error('The resource does not exist or belongs to another account', notFound()),
  422: error(
    'Validation failed: every error, keyed by its dot path',
    invalid({ 'leads.0.phone': ['The leads.0.phone field is required.'] }),
  ),
  429: error('Too many requests for this token: wait Retry-After seconds', tooManyAttempts()),
};
const WITH_A_BODY = {
  400: error('The body is not valid JSON', badJson()),
  413: error('The body is larger than the limit', tooLarge()),
  415: error('The body is not application/json', unsupportedMediaType()),
};

/** A lead's change by an agent's token while another agent claims it or has it assigned (call-centre.md). */
const LEAD_CHANGE = { 409: error("An agent's token: the lead is claimed by or assigned to another agent", leadHeldByAnother()) };

/** The route's documented responses with the API's error bodies added (its own kept); `url` the route's path. */
export function withErrorResponses(schema: Record<string, unknown>, method: string | string[], url: string): Record<string, unknown> {
  const methods = ([] as string[]).concat(method);
  const sendsABody = methods.some((m) => ['POST', 'PATCH', 'PUT', 'DELETE'].includes(m));
  const leadChange = methods.includes('PATCH') && /\/leads(\/:reference)?$/.test(url);
  return {
    ...schema,
    response: { ...EVERY_ROUTE, ...(sendsABody ? WITH_A_BODY : {}), ...(leadChange ? LEAD_CHANGE : {}), ...(schema.response as object) },
  };
}
