import './lib/heap-growth.js'; // first: before the modules load
import type { AddressInfo } from 'node:net';
import { loadConfig, ConfigError } from './config.js';
import { buildApp } from './app.js';
import { terminalLine } from './lib/terminal-line.js';
import { openDatabase, unreachableDatabase } from './db/open.js';
import { migrate } from './db/migrate.js';
import { startMaintenance } from './db/maintenance.js';
import { DataDirLockedError, dataDirServed } from './db/data-dir-lock.js';
import { purgeExpired } from './purge.js';
import './job-kinds.js';
import { recoverSoleProcess, startWorker } from './jobs/start.js';
import { startSchedules } from './schedules.js';
import { setupNotice } from './modules/auth/setup.js';
import { localBaseUrl } from './lib/base-url.js';
import { serveDatabaseSocket } from './db/socket-server.js';
import { drainConnections } from './http/drain.js';

/** Starts the server: config, database, migrations, app, job workers; closes gracefully on SIGTERM/SIGINT. */
async function main() {
  const config = loadConfig();
  const db = await openDatabase(config, { starting: true });
  await migrate(db);
  // On the embedded database, `codops` commands reach it through this process (the data dir is locked).
  // Its address, once listening, is what `codops demo` through the socket prints (not the command's own PORT).
  let listening: string | undefined = undefined;
  const socket = db.kind === 'pglite' ? await serveDatabaseSocket(db, config.dataDir, () => listening) : undefined;
  if (socket) dataDirServed(config.dataDir); // commands that waited for the socket go on
  const app = await buildApp({ config, db });
  const purge = setInterval(() => purgeExpired(db).catch((err) => app.log.warn({ err }, 'purge failed')), 3_600_000);
  purge.unref();
  const maintenance = startMaintenance(db, app.log);
  // On the embedded database this process alone writes files and runs jobs: what is half done was a dead process's.
  await recoverSoleProcess(db, app.files, app.log);
  const worker = config.workers > 0 ? await startWorker(db, config, config.workers, app.log) : undefined;
  const schedules = worker ? await startSchedules(db, config, app.log) : undefined;

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing requests in flight');
    clearInterval(purge);
    try {
      await schedules?.stop(); // webhook requests in flight end (or their batch is sent again later)
      await drainConnections(app); // stops accepting; kept-alive connections close after their next answer
      await app.close(); // closes what is left idle, waits for in-flight requests
      await worker?.stop(); // finishes or hands back the jobs in hand
      await maintenance.stop();
      await socket?.close();
      await db.close();
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await purgeExpired(db);
  await app.listen({ port: config.port, host: config.host }).catch((err: NodeJS.ErrnoException) => {
    throw listenError(err, config.host, config.port);
  });
  // PORT=0 listens on a port of the system's choosing: the link names that one (it said :0).
  const { port } = app.server.address() as AddressInfo;
  listening = localBaseUrl({ host: config.host, port });
  const notice = await setupNotice(db, config.appKey, listening);
  if (notice) process.stdout.write(`${notice}\n`);
}

/** Why the server could not listen, in one line naming the variable to change (else the error itself). */
function listenError(err: NodeJS.ErrnoException, host: string, port: number): Error {
  const at = `${host}:${port}`;
  if (err.code === 'EADDRINUSE') return new ConfigError(`Invalid PORT: ${at} is already in use by another process.`);
  if (err.code === 'EACCES')
    return new ConfigError(`Invalid PORT: listening on ${at} is not permitted (ports below 1024 need privileges).`);
  if (['ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL', 'EAI_NONAME'].includes(err.code ?? '')) {
    return new ConfigError(`Invalid HOST: "${host}" is not an address of this machine.`);
  }
  return err;
}

main().catch((err) => {
  if (err instanceof ConfigError || err instanceof DataDirLockedError) {
    process.stderr.write(terminalLine(err.message));
  } else if (unreachableDatabase(err)) {
    process.stderr.write(terminalLine(unreachableDatabase(err)!));
  } else {
    console.error('codops: failed to start:', err);
  }
  process.exit(1);
});
