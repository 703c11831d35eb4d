import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { notFound } from '../../http/errors.js';
import { compile, ErrorBag, messages } from '../../http/validation.js';
import { audit } from '../../web/audit.js';
import { formBody } from '../../web/form-body.js';
import { formatDate, formatDateTime, formatTime } from '../../web/format.js';
import { addNav } from '../../web/nav.js';
import { renderPage } from '../../web/page.js';
import { backUrl, done, refuseBack } from '../../web/respond.js';
import { formRoutes, wantsJson } from '../../web/scope.js';
import type { IdRoute } from '../../web/types.js';
import { Badge, Button, DataTable, Form, PageHeader } from '../../web/ui.js';
import { findLeads, leadAccess } from '../leads/queries.js';
import { agentBoard, agentInScope, assignCheck, assignLeads, setPaused, type AgentRow } from './agents.js';
import { callCentrePolicy } from './policy.js';

const AssignBody = Type.Object({
  ids: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 1000 }),
  agent_id: Type.Optional(Type.String({ maxLength: 64, nullable: true })),
});
const assignBody = compile(AssignBody);

/** When a claim ends: its time on today's date (a claim lasts claim_minutes, up to a day), else its date too. */
const claimEnd = (iso: string) => (formatDate(iso) === formatDate(new Date()) ? formatTime(iso) : formatDateTime(iso));

/** `opens`: the claimed leads the viewer may open (a manager leader sees every agent, not every lead). */
function AgentsBoard({ rows, opens }: { rows: AgentRow[]; opens: Set<string> }) {
  return (
    <>
      <PageHeader title="Agents" subtitle="Who is on a call now, and today's calls and confirmations." />
      <DataTable
        caption="Agents"
        rows={rows}
        empty="No agent in your team yet."
        columns={[
          { label: 'Agent', render: (r) => r.full_name },
          { label: 'Call centre', render: (r) => r.call_center ?? '—' },
          {
            label: 'On the phone with',
            // Until when as text, not a `title` tooltip, which neither a keyboard, a phone nor most screen readers reach.
            render: (r) =>
              r.claim ? (
                <span class="stack">
                  {opens.has(r.claim.lead_id) ? (
                    <a href={`/call-centre/leads/${r.claim.lead_id}`}>{r.claim.reference}</a>
                  ) : (
                    <span>{r.claim.reference}</span>
                  )}
                  <span class="small muted">
                    until <time datetime={r.claim.claimed_until}>{claimEnd(r.claim.claimed_until)}</time>
                  </span>
                </span>
              ) : (
                '—'
              ),
          },
          {
            // Leads given to this agent alone wait for them, paused or not: the list opens on them to reassign.
            label: 'Assigned open leads',
            render: (r) =>
              r.assigned_open > 0 ? (
                <a href={`/leads?assigned_to=${encodeURIComponent(r.id)}&status=new,no_reply,call_later`}>{r.assigned_open}</a>
              ) : (
                '0'
              ),
          },
          { label: 'Calls today', render: (r) => String(r.calls_today) },
          { label: 'Confirmed today', render: (r) => String(r.confirmed_today) },
          { label: 'Confirmation rate', render: (r) => `${Math.round(r.confirmation_rate * 1000) / 10} %` },
          {
            label: 'Queue',
            render: (r) => (
              <Form
                action={`/users/agents/${r.id}/${r.paused ? 'resume' : 'pause'}`}
                method="PATCH"
                class="inline-form"
                label={`${r.paused ? 'Resume' : 'Pause'} ${r.full_name}`}
              >
                {r.paused && <Badge tone="amber">Paused</Badge>} <Button kind="secondary">{r.paused ? 'Resume' : 'Pause'}</Button>
              </Form>
            ),
          },
        ]}
      />
    </>
  );
}

/** The managers' side of the call centre: the agents board, pause/resume, assigning leads. */
export async function callCentreManagerPages(web: FastifyInstance) {
  const { db, config } = web;
  const route = formRoutes(web);
  const supervise = { config: { can: callCentrePolicy.can('supervise') } };
  addNav({
    label: 'Agents at work',
    href: '/call-centre/agents',
    icon: 'users',
    visible: callCentrePolicy.can('supervise'),
    section: 'Call centre',
  });

  web.get('/call-centre/agents', supervise, async (req, reply) => {
    const rows = await agentBoard(db, req.user!, config.timezone);
    if (wantsJson(req)) return reply.send({ data: rows });
    const claimed = rows.flatMap((r) => (r.claim ? [r.claim.lead_id] : []));
    const opens = claimed.length
      ? new Set((await findLeads(db, (await leadAccess(db, req.user!)).scope, claimed)).keys())
      : new Set<string>();
    return renderPage(req, reply, { title: 'Agents', body: <AgentsBoard rows={rows} opens={opens} /> });
  });

  const pause = (paused: boolean) => async (req: FastifyRequest<IdRoute>, reply: FastifyReply) => {
    const user = req.user!;
    if (!(await agentInScope(db, user, req.params.id))) throw notFound();
    await db.tx(async (q) => {
      await setPaused(q, req.params.id, paused);
      await audit(q, user, paused ? 'agents.pause' : 'agents.resume', { type: 'user', id: req.params.id });
    });
    return done(req, reply, { message: paused ? 'Agent paused.' : 'Agent resumed.', redirect: backUrl(req, '/call-centre/agents') });
  };
  route<IdRoute>('PATCH', '/users/agents/:id/pause', supervise, pause(true));
  route<IdRoute>('PATCH', '/users/agents/:id/resume', supervise, pause(false));

  route('PATCH', '/leads/assign', { config: { can: callCentrePolicy.can('assign') } }, async (req, reply) => {
    const user = req.user!;
    const bag = new ErrorBag();
    // The leads list's bulk form is told in a message above the list (its boxes have no field of their own).
    const refuse = () => {
      if (wantsJson(req) || bag.size === 0) return bag.throwIfAny(AssignBody);
      const errors = bag.toJSON(AssignBody);
      const none = errors.ids?.includes(messages.required('ids'));
      const lines = Object.values(errors).flatMap((list) => (list === errors.ids && none ? ['Select at least one lead to assign.'] : list));
      // The list comes back with the same leads ticked and agent chosen.
      return refuseBack(req, reply, lines.join(' ') + (none ? '' : ' Nothing was assigned.'), '/leads');
    };
    const input = assignBody.check(formBody(req), bag);
    if (bag.size > 0) return refuse();
    const agentId = input.agent_id ? input.agent_id : null;
    const ids = [...new Set(input.ids)];
    // Checked in the write's transaction, the leads locked: a lead confirmed or claimed meanwhile is refused, not assigned.
    const count = await db.tx(async (q) => {
      const agent = agentId ? await agentInScope(q, user, agentId) : undefined;
      if (agentId && !agent) throw notFound();
      // An inactive agent never asks for a lead: one given to them would wait for nobody.
      if (agent && agent.status !== 'active') {
        bag.add('agent_id', messages.invalid('agent_id'));
        return null;
      }
      const access = await leadAccess(q, user);
      const found = await findLeads(q, access.scope, ids);
      if (found.size !== ids.length) throw notFound();
      const check = await assignCheck(q, user, ids, agentId);
      if (check.outside) throw notFound();
      // Every position of a refused lead is reported (a lead sent twice, twice).
      for (const r of check.refused) input.ids.forEach((id, i) => id === ids[r.index] && bag.add(`ids.${i}`, r.message));
      if (bag.size > 0) return null;
      const n = await assignLeads(q, ids, agentId);
      await audit(q, user, 'leads.assign', { type: 'lead', id: ids.join(',') }, { agent_id: agentId });
      return n;
    });
    if (count === null) return refuse();
    const message = agentId ? `${count} lead${count === 1 ? '' : 's'} assigned.` : `${count} lead${count === 1 ? '' : 's'} unassigned.`;
    if (wantsJson(req)) return reply.send({ message, data: { count } });
    return done(req, reply, { message, redirect: backUrl(req, '/leads') });
  });
}
