import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import { jsxTemplate } from 'preact/jsx-runtime';
import { renderToString } from 'preact-render-to-string';
import { inDisplayZone } from './format.js';
import { Layout } from './layout.js';
import { PageContext, PageErrors, type PageCtx } from './page-context.js';
import { pageUrl } from './query.js';

/** Reads and clears the one-time session values (flash, errors, old input). */
function consume(req: FastifyRequest) {
  const s = (req as { session?: FastifyRequest['session'] }).session;
  if (!s) return { flash: {}, errors: {}, old: {} };
  const out = { flash: s.flash ?? {}, errors: s.errors ?? {}, old: s.old ?? {} };
  if (s.flash || s.errors || s.old) {
    s.flash = undefined;
    s.errors = undefined;
    s.old = undefined;
  }
  return out;
}

export function renderPage(
  req: FastifyRequest,
  reply: FastifyReply,
  opts: { title: string; body: ComponentChildren; status?: number; bare?: boolean },
) {
  const csrf =
    typeof reply.generateCsrf === 'function' && (req as { session?: unknown }).session ? reply.generateCsrf() : (req.csrfToken ?? '');
  const once = consume(req);
  const errors = new PageErrors(req.listErrors ? { ...once.errors, ...req.listErrors } : once.errors);
  const ctx: PageCtx = { user: req.user, csrf, ...once, errors, url: pageUrl(req) };
  const inContext = (node: ComponentChildren) => renderToString(<PageContext.Provider value={ctx}>{node}</PageContext.Provider>);
  const html = inDisplayZone(req.server.config.timezone, () => {
    // The body first, so the layout's flash knows which errors no field of it showed; then the
    // layout around the body's HTML, placed as it is (a template node of preact's JSX runtime).
    const body = inContext(opts.body);
    return inContext(
      <Layout title={opts.title} bare={opts.bare}>
        {jsxTemplate([body])}
      </Layout>,
    );
  });
  return reply
    .code(opts.status ?? 200)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send('<!doctype html>' + html);
}
