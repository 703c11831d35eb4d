import { STATUS_CODES } from 'node:http';
import { PG, pgCode } from '../db/database.js';

// Laravel's status for an expired CSRF token; Node has no reason phrase for it.
STATUS_CODES[419] = 'Page Expired';

/** The error catalogue: every error a client can see, with its exact status and message (api-v1.md). */
export type FieldErrors = Record<string, string[]>;

/** A refused form's way back on the dashboard, instead of an error page: 302 to `redirect` with the flash, the input kept when asked. */
export interface PageAnswer {
  redirect: string;
  flash: { success?: string; error?: string };
  keepInput?: boolean;
}

export class HttpError extends Error {
  /**
   * For a dashboard form (never JSON): its answer, decided once the request's transaction has ended
   * (it may write, as the call centre's claim taken again does).
   */
  page?: () => Promise<PageAnswer>;

  constructor(
    readonly statusCode: number,
    message: string,
    readonly errors?: FieldErrors,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): { message: string; errors?: FieldErrors } {
    return this.errors ? { message: this.message, errors: this.errors } : { message: this.message };
  }
}

export const badJson = () => new HttpError(400, 'The request body is not valid JSON.');
export const badForm = () => new HttpError(400, 'The request body is not a valid form.');
export const notHttp = () => new HttpError(400, 'The request is not valid HTTP.');
export const unauthenticated = () => new HttpError(401, 'Unauthenticated.');
export const forbidden = () => new HttpError(403, 'This action is unauthorized.');
export const notFound = () => new HttpError(404, 'Resource not found.');
export const methodNotAllowed = () => new HttpError(405, 'Method not allowed.');
export const requestTimeout = () => new HttpError(408, 'The request took too long to arrive.');
export const leadHeldByAnother = () => new HttpError(409, 'This lead is being handled by another agent.');
export const tooLarge = () => new HttpError(413, 'The request body is too large.');
export const tooManyParts = () => new HttpError(413, 'The form has too many fields or files: send one file.');
export const unsupportedMediaType = () => new HttpError(415, 'The request body must be JSON.');
export const pageExpired = () => new HttpError(419, 'Page Expired');
export const invalid = (errors: FieldErrors) => new HttpError(422, 'The given data was invalid.', errors);
export const tooManyAttempts = (headers: Record<string, string> = {}) => new HttpError(429, 'Too Many Attempts.', undefined, headers);
export const tooManyLogins = (seconds: number) =>
  new HttpError(429, `Too many login attempts. Please try again in ${seconds} seconds.`, undefined, { 'retry-after': String(seconds) });
export const headersTooLarge = () => new HttpError(431, 'The request URL or headers are too large.');
export const serverError = () => new HttpError(500, 'Server Error.');

/** A bulk delete refused as a whole (all or nothing): why each record cannot go, then "Nothing was deleted." */
export const nothingDeleted = (refusals: string[]) => `${refusals.join(' ')} Nothing was deleted.`;

const takenAnswers = new Map<string, FieldErrors>();

/**
 * Declares a unique index whose violation is the client's mistake: the renderer answers it with
 * this field's 422, so a race lost between a module's check and its write reads as the check.
 */
export function answerUniqueViolation(index: string, field: string, message: string): void {
  takenAnswers.set(index, { [field]: [message] });
}

/** Maps a database error onto the catalogue: a declared unique index's violation is its 422. */
export function fromDatabaseError(err: unknown): HttpError | undefined {
  if (pgCode(err) !== PG.uniqueViolation) return undefined;
  const answer = takenAnswers.get(String((err as { constraint?: unknown }).constraint));
  return answer ? invalid(answer) : undefined;
}

/** Maps Fastify's own errors (body parsing, limits) onto the catalogue. */
export function fromFastifyError(err: { code?: string; statusCode?: number }): HttpError | undefined {
  switch (err.code) {
    case 'FST_CSRF_INVALID_TOKEN':
    case 'FST_CSRF_MISSING_SECRET':
      return pageExpired();
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return badJson();
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return tooLarge();
    case 'FST_ERR_MAX_PARAM_LENGTH': // a path segment longer than any id names no resource
    case 'FST_ERR_BAD_URL':
      return notFound();
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return unsupportedMediaType();
  }
  if (err instanceof SyntaxError && err.statusCode === 400) return badJson();
  return undefined;
}
