-- What a person sees of a background job (GET /jobs/{id}). The queue itself is pg-boss's (schema
-- pgboss, installed by src/jobs/queue.ts); a job's pg-boss id is its id here, and both are written
-- in the same transactions.

CREATE TABLE jobs (
  id          uuid PRIMARY KEY,
  kind        text NOT NULL,
  user_id     text REFERENCES users (id),       -- who started it (null: the system)
  status      text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
  total       integer NOT NULL DEFAULT 0,
  done        integer NOT NULL DEFAULT 0,
  failed      integer NOT NULL DEFAULT 0,
  result      jsonb,
  checkpoint  jsonb,                            -- where a handler resumes after a crash or a retry
  attempts    integer NOT NULL DEFAULT 0,
  run_token   uuid,                             -- the run holding the job: a stale worker cannot write
  last_error  text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  started_at  timestamptz,
  finished_at timestamptz
);
CREATE INDEX jobs_running ON jobs (id) WHERE status = 'running';
CREATE INDEX jobs_failed ON jobs (finished_at) WHERE status = 'failed';

-- Per-item errors of a job (`{"reference"|"row","column"?,"message"}`), appended set-based.
CREATE TABLE job_errors (
  id        bigserial PRIMARY KEY,
  job_id    uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  reference text,
  "row"     integer,
  "column"  text,
  message   text NOT NULL
);
CREATE INDEX job_errors_job ON job_errors (job_id, id);
