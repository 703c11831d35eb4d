import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import { renderPage } from './page.js';
import { PageHeader } from './ui.js';

/**
 * A create or edit page: a header that repeats the page's title, the way back, and the form. The
 * dashboard's "New …" and "Edit …" pages all have this shape.
 */
export function renderFormPage(
  req: FastifyRequest,
  reply: FastifyReply,
  page: { title: string; subtitle?: string; back: { href: string; label: string }; form: ComponentChildren },
) {
  return renderPage(req, reply, {
    title: page.title,
    body: (
      <>
        <PageHeader title={page.title} subtitle={page.subtitle} back={page.back} />
        {page.form}
      </>
    ),
  });
}
