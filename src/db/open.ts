import { join } from 'node:path';
import type { Config } from '../config.js';
import type { Database } from './database.js';
import { openPostgres } from './postgres.js';

/**
 * `memory`: an embedded database in memory (tests). `template`: a file holding a dumped data
 * directory that a new embedded database starts as (test-support/pglite-template.ts).
 */
export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir'>,
  opts: { memory?: boolean; template?: string } = {},
): Promise<Database> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl);
  // PGlite's module is imported only on the embedded database.
  const { openPgliteThread } = await import('./pglite-thread.js');
  return openPgliteThread(opts.memory ? undefined : join(config.dataDir), { template: opts.template });
}

/** An error of reaching DATABASE_URL (refused, unknown host or database, bad password), said in one line naming it. */
export function unreachableDatabase(err: unknown): string | undefined {
  const e = err as { code?: string; message?: string } | undefined;
  if (!['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', '3D000', '28P01', '28000'].includes(e?.code ?? '')) return undefined;
  return `cannot reach the database in DATABASE_URL (${e?.message}).`;
}
