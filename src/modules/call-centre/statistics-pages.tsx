import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { compile, ErrorBag, isDate, messages } from '../../http/validation.js';
import { todayIn } from '../../lib/time-zone.js';
import { addNav } from '../../web/nav.js';
import { renderPage } from '../../web/page.js';
import { wantsJson } from '../../web/scope.js';
import { Button, DataTable, Field, PageHeader } from '../../web/ui.js';
import { callCentrePolicy } from './policy.js';
import { agentStatistics, callsOverTime, statsCsv, type AgentStats, type CallsOverTime } from './statistics.js';
import { asset } from '../../web/assets.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const StatsQuery = Type.Object({
  from: Type.Optional(Type.String({ maxLength: 10 })),
  to: Type.Optional(Type.String({ maxLength: 10 })),
  format: Type.Optional(Type.String({ enum: ['csv', 'json', 'html'] })),
});
const statsQuery = compile(StatsQuery);

/** A column of figures: right-aligned, its cells narrower than a list's. */
const FIGURE = 'num figure-col';

/** A calendar day as Laravel's `date` reads it (no year 0, which PostgreSQL has not either: it was a 500). */
const valid = (d: string) => DAY.test(d) && isDate(d);

function StatsPage(p: { rows: AgentStats[]; from: string; to: string; typed: { from?: string; to?: string }; chart: CallsOverTime }) {
  const per = `Calls and confirmations per ${p.chart.bucket}`;
  return (
    <>
      <PageHeader title="Agent statistics" subtitle={`From ${p.from} to ${p.to}, in the platform's time zone.`} />
      <form method="get" action="/statistics/agents" class="filters" aria-label="Date range">
        <Field name="from" label="From" type="date" value={p.typed.from ?? p.from} />
        <Field name="to" label="To" type="date" value={p.typed.to ?? p.to} />
        <Button kind="secondary">Show</Button>
        <a class="btn btn-link" href={`/statistics/agents?from=${p.from}&to=${p.to}&format=csv`}>
          Download CSV
        </a>
      </form>
      <figure class="chart">
        <div id="agents-chart" data-days={JSON.stringify(p.chart.points)} data-bucket={p.chart.bucket} role="img" aria-label={per}></div>
        <figcaption>{p.chart.points.length ? per : 'No call in this range.'}</figcaption>
      </figure>
      {/* app.css .agent-stats: its rows become cards where the nine columns do not fit (861 to ~960 px). */}
      <div class="agent-stats">
        <DataTable
          caption="Agents"
          rows={p.rows}
          empty="No agent."
          columns={[
            { label: 'Agent', render: (r) => r.agent },
            // Eight figures beside the names: narrow columns (app.css .figure-col), so the table fits beside the menu at 1024 px.
            { label: 'Calls', class: FIGURE, render: (r) => String(r.calls) },
            { label: 'Confirmed', class: FIGURE, render: (r) => String(r.confirmed) },
            { label: 'Canceled', class: FIGURE, render: (r) => String(r.canceled) },
            { label: 'No reply', class: FIGURE, render: (r) => String(r.no_reply) },
            { label: 'Call later', class: FIGURE, render: (r) => String(r.call_later) },
            { label: 'Wrong', class: FIGURE, render: (r) => String(r.wrong) },
            { label: 'Confirmation rate', class: FIGURE, render: (r) => `${Math.round(r.confirmation_rate * 1000) / 10} %` },
            {
              label: 'Median minutes to first call',
              class: FIGURE,
              render: (r) => (r.median_minutes_to_first_call === null ? '—' : String(r.median_minutes_to_first_call)),
            },
          ]}
        />
      </div>
      <link rel="stylesheet" href="/vendor/uplot/uPlot.min.css" />
      <script src="/vendor/uplot/uPlot.iife.min.js" defer></script>
      <script src={asset('agents-chart.js')} defer></script>
    </>
  );
}

/** uPlot (a maintained chart library, no dependencies) served from its package: the CSP allows our own scripts only. */
const UPLOT = { 'uPlot.iife.min.js': 'application/javascript', 'uPlot.min.css': 'text/css' } as const;
const uplotDir = dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js'));

export async function agentStatisticsPages(web: FastifyInstance) {
  const { db, config } = web;
  for (const [file, type] of Object.entries(UPLOT)) {
    web.get(`/vendor/uplot/${file}`, async (_req, reply) =>
      reply
        .type(`${type}; charset=utf-8`)
        .header('cache-control', 'public, max-age=86400')
        .send(createReadStream(join(uplotDir, file))),
    );
  }
  addNav({
    label: 'Agent statistics',
    href: '/statistics/agents',
    icon: 'layers',
    visible: callCentrePolicy.can('statistics'),
    section: 'Call centre',
  });

  web.get('/statistics/agents', { config: { can: callCentrePolicy.can('statistics') } }, async (req, reply) => {
    const bag = new ErrorBag();
    const q = statsQuery.check(req.query, bag);
    for (const field of ['from', 'to'] as const) {
      if (q[field] !== undefined && !bag.has(field) && !valid(q[field])) bag.add(field, messages.date(field));
    }
    // One date given: that day alone; none: today.
    let from = q.from ?? q.to ?? todayIn(config.timezone);
    let to = q.to ?? from;
    if (!bag.has('from') && !bag.has('to') && to < from) bag.add('to', `The to field must be a date after or equal to from.`);
    const csv = q.format === 'csv' || (q.format === undefined && /text\/csv/i.test(String(req.headers.accept ?? '')));
    const page = !csv && !wantsJson(req) && q.format !== 'json';
    if (bag.size > 0 && page) {
      // A page keeps its form: the errors beside the dates, today's figures below, as a list does.
      req.listErrors = bag.toJSON(StatsQuery);
      from = to = todayIn(config.timezone);
    } else bag.throwIfAny(StatsQuery);
    const rows = await agentStatistics(db, req.user!, from, to, config.timezone);
    if (csv) {
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="agent-statistics-${from}-${to}.csv"`)
        .send(await statsCsv(rows));
    }
    if (!page) return reply.send({ data: rows });
    const chart = await callsOverTime(db, req.user!, from, to, config.timezone);
    return renderPage(req, reply, {
      title: 'Agent statistics',
      body: <StatsPage rows={rows} from={from} to={to} typed={q} chart={chart} />,
    });
  });
}
