import { join } from 'node:path';
import { ConfigError, type Config } from '../config.js';
import type { Database } from './database.js';
import { openPostgres } from './postgres.js';

/**
 * `memory`: an embedded database in memory (tests). `template`: a file holding a dumped data
 * directory that a new embedded database starts as (test-support/pglite-template.ts). `starting`: the
 * server's, whose lock says so until its socket answers (data-dir-lock.ts dataDirServed). `longRunning`:
 * `codops worker`'s, which holds DATA_DIR until stopped (a starting server does not wait for it).
 */
export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir'>,
  opts: { memory?: boolean; template?: string; starting?: boolean; longRunning?: boolean } = {},
): Promise<Database> {
  // Whatever stops the first connection (an address that does not answer, TLS refused, a missing
  // password, an unknown database) is said as the variable to check, not as the driver's bare error.
  if (config.databaseUrl)
    return openPostgres(config.databaseUrl).catch((err: unknown) => {
      throw new ConfigError(cannotReach(err));
    });
  // PGlite's module is imported only on the embedded database.
  const { openPgliteThread } = await import('./pglite-thread.js');
  return openPgliteThread(opts.memory ? undefined : join(config.dataDir), {
    template: opts.template,
    starting: opts.starting,
    longRunning: opts.longRunning,
  });
}

/** Said with the driver's reason; a host of several addresses fails with an AggregateError of one per address and no message. */
function cannotReach(err: unknown): string {
  const e = err as { message?: string; code?: string; errors?: Error[] } | undefined;
  const reason = e?.message || e?.errors?.map((x) => x.message).join('; ') || e?.code || String(err);
  return `cannot reach the database in DATABASE_URL (${reason}).`;
}

/** An error of reaching DATABASE_URL (refused, unknown host or database, bad password), said in one line naming it. */
export function unreachableDatabase(err: unknown): string | undefined {
  const e = err as { code?: string; message?: string } | undefined;
  if (!['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', '3D000', '28P01', '28000'].includes(e?.code ?? '')) return undefined;
  return cannotReach(e);
}
