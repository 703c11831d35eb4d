import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { inDisplayZone } from './format.js';
import { Layout } from './layout.js';
import { PageContext, type PageCtx } from './page-context.js';
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
  const errors = req.listErrors ? { ...once.errors, ...req.listErrors } : once.errors;
  const ctx: PageCtx = { user: req.user, csrf, ...once, errors, url: pageUrl(req) };
  const html = inDisplayZone(req.server.config.timezone, () =>
    renderToString(
      <PageContext.Provider value={ctx}>
        <Layout title={opts.title} bare={opts.bare}>
          {opts.body}
        </Layout>
      </PageContext.Provider>,
    ),
  );
  return reply
    .code(opts.status ?? 200)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send('<!doctype html>' + html);
}
