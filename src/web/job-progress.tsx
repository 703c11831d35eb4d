import type { JobJson } from '../jobs/registry.js';
import { usePage } from './page-context.js';

const FINAL = new Set(['done', 'failed']);

/** The line under the bar; public/app.js writes the same words as it polls. */
function jobProgressText(job: Pick<JobJson, 'status' | 'total' | 'done' | 'failed'>): string {
  const counts = job.total > 0 ? ` ${job.done + job.failed} of ${job.total} processed${job.failed ? `, ${job.failed} failed` : ''}.` : '';
  switch (job.status) {
    case 'queued':
      return job.done + job.failed > 0 ? `Waiting to resume:${counts}` : 'Waiting to start.';
    case 'running':
      return `Running:${counts || ' started.'}`;
    case 'done':
      return `Done:${counts || ' finished.'}`;
    case 'failed':
      return `Failed:${counts || ' stopped.'}`;
  }
}

/**
 * A job's progress until it ends: a `<progress>` bar that public/app.js keeps current by polling
 * GET /jobs/{id}, the final state announced (aria-live), and without JavaScript a link that
 * reloads the page, which renders the current state.
 */
export function JobProgress({
  job,
  label,
  reloadWhenDone,
}: {
  job: JobJson & { lastFailure?: string };
  label: string;
  /** The page lists what the job changes (Push orders: the new orders): the poller reloads it once the job ends. */
  reloadWhenDone?: boolean;
}) {
  const { url: page } = usePage();
  const final = FINAL.has(job.status);
  const barId = `job-${job.id}`;
  const processed = job.done + job.failed;
  const value = job.total > 0 ? processed : final ? 1 : undefined;
  // A job that made a file (an export) links to it once done; public/app.js shows the link as it polls.
  const url = (job.result as { url?: unknown } | undefined)?.url;
  const download = typeof url === 'string' && url.startsWith('/') ? url : undefined;
  // A job that listed its reasons one by one (an import's rows) sums them up in its result; a done
  // import says there what it made.
  const message = (job.result as { message?: unknown } | undefined)?.message;
  const summary = typeof message === 'string' ? message : undefined;
  const failure = summary ?? job.errors.at(-1)?.message ?? 'see its errors.';
  return (
    <div class="job-progress" data-job={`/jobs/${job.id}`} data-status={job.status} data-job-reload={reloadWhenDone ? 'true' : undefined}>
      <label for={barId}>{label}</label>
      <progress id={barId} max={job.total > 0 ? job.total : 1} value={value} aria-describedby={`${barId}-text`}>
        {jobProgressText(job)}
      </progress>
      <p id={`${barId}-text`} class="job-progress-text" data-job-text>
        {jobProgressText(job)}
      </p>
      {job.status === 'queued' && job.lastFailure && (
        // Until the next attempt starts (public/app.js hides it then): why the last one failed.
        <p class="job-progress-retry" data-job-retry>
          The last attempt failed: {job.lastFailure} It will be tried again.
        </p>
      )}
      <p class="job-progress-final" aria-live="polite" data-job-final>
        {final ? (job.status === 'done' ? `The job is done.${summary ? ` ${summary}` : ''}` : `The job failed: ${failure}`) : ''}
      </p>
      <p class="job-progress-links">
        <a href={`/jobs/${job.id}`} data-job-errors hidden={job.errors.length === 0}>
          {job.errors.length === 1 ? 'See the error' : `See the ${job.errors.length} errors`}
        </a>
        <a href={download ?? '#'} data-job-result hidden={!download}>
          Download the file
        </a>
        {!final && (
          <a href={page.pathname + page.search} data-job-refresh>
            Refresh to see the progress
          </a>
        )}
      </p>
    </div>
  );
}
