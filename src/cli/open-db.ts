import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { DataDirLockedError } from '../db/data-dir-lock.js';
import { openDatabase } from '../db/open.js';
import { connectDatabaseSocket, hasDatabaseSocket } from '../db/socket-client.js';

/**
 * The database for a command: PostgreSQL, or the embedded one — opened directly, or, when a running
 * server holds DATA_DIR, through that server's socket (src/db/socket-server.ts).
 */
export async function openForCommand(config: Config): Promise<Database> {
  try {
    return await openDatabase(config);
  } catch (err) {
    if (!(err instanceof DataDirLockedError) || !hasDatabaseSocket(config.dataDir)) throw err;
    try {
      return await connectDatabaseSocket(config.dataDir);
    } catch {
      throw err; // the server holding the directory does not answer: say it is locked
    }
  }
}
