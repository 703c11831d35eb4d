import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { DataDirLockedError } from '../db/data-dir-lock.js';
import { openDatabase } from '../db/open.js';
import { connectDatabaseSocket, hasDatabaseSocket } from '../db/socket-client.js';

/**
 * How long a command waits for a starting server's socket: its boot opens the database and migrates
 * it. 15 s was once too short for a new server on a busy 2-core machine.
 */
const STARTING_WAIT_MS = 60_000;

/**
 * The database for a command: PostgreSQL, or the embedded one — opened directly, or, when a running
 * server holds DATA_DIR, through that server's socket (src/db/socket-server.ts). A server still
 * starting has no socket yet: the command waits for it (or for the directory to be free), telling
 * the user once on stderr (`say`), and says so when it does not come. Any other owner without a
 * socket is refused at once. `longRunning`: `codops worker`, whose lock says so (data-dir-lock.ts).
 */
export async function openForCommand(
  config: Config,
  opts: { waitMs?: number; longRunning?: boolean; say?: (line: string) => void } = {},
): Promise<Database> {
  const waitMs = opts.waitMs ?? STARTING_WAIT_MS;
  const say = opts.say ?? ((line: string) => process.stderr.write(`${line}\n`));
  const until = Date.now() + waitMs;
  let told = false;
  for (;;) {
    try {
      return await openDatabase(config, { longRunning: opts.longRunning });
    } catch (err) {
      if (!(err instanceof DataDirLockedError)) throw err;
      if (hasDatabaseSocket(config.dataDir)) {
        try {
          return await connectDatabaseSocket(config.dataDir);
        } catch {
          // the server holding the directory does not answer: say it is locked, unless it is starting
        }
      }
      if (!err.owner?.starting) throw err;
      if (Date.now() >= until) {
        throw new DataDirLockedError(
          `The codops server holding the data directory ${config.dataDir} (pid ${err.owner.pid}) is still starting: try again in a few seconds.`,
        );
      }
      if (!told) {
        told = true;
        say(`Waiting for the codops server (pid ${err.owner.pid}) to start: up to ${Math.round(waitMs / 1000)} s…`);
      }
      await sleep(200);
    }
  }
}
