import type { IdRoute } from '../../web/types.js';
import type { FastifyInstance } from 'fastify';
import type { ComponentChildren } from 'preact';
import { notFound } from '../../http/errors.js';
import { jobKind } from '../../jobs/registry.js';
import { formatDateTime } from '../../web/format.js';
import { JobProgress } from '../../web/job-progress.js';
import { renderPage } from '../../web/page.js';
import { wantsJson } from '../../web/scope.js';
import { Card, DataTable, DefinitionList, PageHeader } from '../../web/ui.js';
import { canSeeJob } from './policy.js';
import { findJob, type ShownJob } from './queries.js';

const labelOf = (kind: string) => jobKind(kind)?.label ?? kind;

function JobPage({ job }: { job: ShownJob }) {
  const url = (job.result as { url?: unknown } | undefined)?.url;
  // Only once it has finished: a "Finished —" would stay on the page while the script follows the job to its end.
  const items: [string, ComponentChildren][] = job.finished_at ? [['Finished', formatDateTime(job.finished_at)]] : [];
  if (typeof url === 'string' && url.startsWith('/')) items.push(['Result', <a href={url}>Download</a>]);
  return (
    <>
      <PageHeader title={labelOf(job.kind)} subtitle={`Started ${formatDateTime(job.created_at)}`} />
      <Card>
        <JobProgress job={job} label="Progress" />
        {items.length > 0 && <DefinitionList items={items} />}
      </Card>
      {job.errors.length > 0 && (
        <Card title="Errors">
          <DataTable
            caption="Errors"
            rows={job.errors}
            columns={[
              { label: 'Item', render: (e) => e.reference ?? (e.row !== undefined ? `Row ${e.row}` : '—') },
              { label: 'Column', render: (e) => e.column ?? '—' },
              { label: 'Message', render: (e) => e.message },
            ]}
          />
        </Card>
      )}
    </>
  );
}

/** GET /jobs/{id}: a job's progress, for the user who started it and for admins (others: 404). */
export async function jobsPages(web: FastifyInstance) {
  web.get<IdRoute>('/jobs/:id', async (req, reply) => {
    const found = await findJob(web.db, req.params.id);
    if (!found || !canSeeJob(req.user!, found.userId)) throw notFound();
    if (wantsJson(req)) return reply.send({ data: found.data });
    return renderPage(req, reply, {
      title: labelOf(found.data.kind),
      body: <JobPage job={{ ...found.data, lastFailure: found.lastFailure }} />,
    });
  });
}
