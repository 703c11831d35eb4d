import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HttpError } from '../http/errors.js';
import { renderPage } from './page.js';
import { backUrl, oldInput } from './respond.js';
import { wantsJson } from './scope.js';

const TITLES: Record<number, string> = {
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  413: 'Too large',
  422: 'Invalid request',
  419: 'Page Expired',
  429: 'Too many requests',
  500: 'Server error',
  503: 'Unavailable',
};

const EXPLAIN: Record<number, string> = {
  403: 'You do not have access to this page.',
  404: 'This page does not exist, or it is not yours to see.',
  419: 'Your session expired or the form was open too long. Go back, reload the page and try again.',
  500: 'Something went wrong on our side. It has been logged; please try again.',
};

/**
 * A request for data, not a page: a file's format in the query (`?format=csv`, the agent
 * statistics' download) or `Accept: text/csv`. Unless it also accepts HTML (a browser) its error
 * is the JSON body (api-v1.md "Errors"): curl, which accepts any type, got a 422 page
 * a CSV client cannot read.
 */
function asksForData(req: FastifyRequest): boolean {
  const format = (req.query as { format?: unknown } | undefined)?.format;
  return /text\/csv/i.test(String(req.headers.accept ?? '')) || format === 'csv' || format === 'json' || format === 'xlsx';
}

/**
 * The dashboard's side of the one error renderer: pages for browsers, the JSON body for JSON
 * clients and the API. Unauthenticated pages go to /login; a failed form goes back with its errors.
 */
export function renderHtmlError(req: FastifyRequest, reply: FastifyReply, err: HttpError): boolean | Promise<FastifyReply> {
  if (req.url.startsWith('/api/') || wantsJson(req)) return false;
  // Dashboard routes answer pages; anything else (/up, unknown paths) only to a browser.
  const wantsHtml = /text\/html/.test(String(req.headers.accept ?? ''));
  const isPage = (req.routeOptions?.config?.web === true && !asksForData(req)) || wantsHtml;
  if (!isPage) return false;
  // A browser asking for a path no route knows (outside /assets/): a guest is sent to the login page.
  const unknownPage = wantsHtml && !req.routeOptions?.url && !req.url.startsWith('/assets/');
  if (unknownPage && err.statusCode === 404 && !req.user) {
    reply.redirect('/login', 302);
    return true;
  }
  const session = (req as { session?: FastifyRequest['session'] }).session;
  if (err.statusCode === 401) {
    if (session && req.method === 'GET') session.intended = req.url;
    reply.redirect('/login', 302);
    return true;
  }
  // A refusal with its own way back (the call centre's lapsed claim): a flash, not a dead end; the
  // input is kept for the form it goes back to. Should that answer fail, the error's page is shown.
  if (err.page && session && req.method !== 'GET') {
    const old = oldInput(req.body);
    return err.page().then(
      (answer) => {
        session.flash = answer.flash;
        if (answer.keepInput) session.old = old;
        // The reply itself, not nothing: Fastify would send what the promise gives as a second answer.
        return reply.redirect(answer.redirect, 302);
      },
      (cause: unknown) => {
        req.log.error({ err: cause }, 'a refused form’s way back failed');
        errorPage(req, reply, err);
        return reply;
      },
    );
  }
  if (err.statusCode === 422 && session && req.method !== 'GET') {
    session.errors = err.errors;
    session.old = oldInput(req.body);
    const back = req.routeOptions?.config?.back;
    reply.redirect(typeof back === 'function' ? back(req) : (back ?? backUrl(req)), 302);
    return true;
  }
  errorPage(req, reply, err);
  return true;
}

function errorPage(req: FastifyRequest, reply: FastifyReply, err: HttpError) {
  const title = TITLES[err.statusCode] ?? 'Error';
  renderPage(req, reply, {
    title,
    status: err.statusCode,
    body: (
      <div class="error-page">
        <p class="error-code">{err.statusCode}</p>
        <h1>{title}</h1>
        <p>
          {err.statusCode === 419 || err.statusCode === 403 || err.statusCode === 404 || err.statusCode >= 500
            ? EXPLAIN[err.statusCode]
            : err.message}
        </p>
        {err.statusCode === 429 && <p>{err.message}</p>}
        {err.errors && (
          <ul class="error-list">
            {Object.values(err.errors)
              .flat()
              .map((m) => (
                <li>{m}</li>
              ))}
          </ul>
        )}
        <p>
          <a href="/" class="btn btn-secondary">
            Go to the dashboard
          </a>
        </p>
      </div>
    ),
  });
}
