-- Files kept in the database (FILES=database), so instances sharing one PostgreSQL share them.
-- A file is written in chunks under its id, then named by its key in one statement: a reader never
-- sees half a file, and replacing a key swaps the whole file at once.

CREATE TABLE files (
  id         text PRIMARY KEY,
  key        text UNIQUE,                -- null while its chunks are being written
  size       bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE file_chunks (
  file_id text NOT NULL REFERENCES files (id) ON DELETE CASCADE,
  n       integer NOT NULL,
  data    bytea NOT NULL,
  PRIMARY KEY (file_id, n)
);
