import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import { notFound } from '../../http/errors.js';
import { checkEachExists, distinctStrings, compile, ErrorBag } from '../../http/validation.js';
import { formBody } from '../../web/form-body.js';
import type { IdRoute } from '../../web/types.js';
import { orderPolicy } from '../orders/policy.js';
import { findOrder, findOrders, orderScopeOf } from '../orders/queries.js';
import { labelOrders, labelsPdf } from './labels.js';

const LabelsBody = compile(Type.Object({ ids: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 1, maxItems: 500 }) }));

function sendPdf(reply: FastifyReply, pdf: Buffer, name: string) {
  return reply
    .header('content-type', 'application/pdf')
    .header('content-disposition', `inline; filename="${name}"`)
    .header('cache-control', 'no-store')
    .send(pdf);
}

/** Shipping labels (fulfilment.md): one order's, or a selection's in one PDF, for admins (domain.md: "label"). */
export async function labelPages(web: FastifyInstance) {
  const { db } = web;
  const can = { config: { can: orderPolicy.can('label') } };

  web.get<IdRoute>('/orders/:id/label', can, async (req, reply) => {
    const row = await findOrder(db, orderScopeOf(req.user!), req.params.id);
    if (!row) throw notFound();
    return sendPdf(reply, await labelsPdf(await labelOrders(db, [row.id])), `${row.reference}.pdf`);
  });

  web.post('/orders/labels', can, async (req, reply) => {
    const bag = new ErrorBag();
    const sent = LabelsBody.check(formBody(req), bag).ids;
    const ids = distinctStrings(sent);
    if (!bag.has('ids')) {
      const seen = await findOrders(db, orderScopeOf(req.user!), ids);
      checkEachExists(bag, 'ids', sent, (id) => seen.has(id));
    }
    bag.throwIfAny(LabelsBody.schema);
    return sendPdf(reply, await labelsPdf(await labelOrders(db, ids)), 'labels.pdf');
  });
}
