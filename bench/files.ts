// `npm run bench:files -- [--pglite] [--leads 1000000] [--rows 100000] [--tsx]`: imports and exports
// (webhooks-files.md) against the real server process. N leads are loaded through the raw path
// (bench/raw.ts); a seller then uploads a CSV of `rows` valid leads (one import job: its time and the
// server's peak RSS), and exports the whole list of N + rows leads to CSV (its time, and the server's
// RSS sampled through the export, to show it flat). Writes bench/results-files[-pglite].json.
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../src/db/migrate.js';
import { openDatabase } from '../src/db/open.js';
import { machine, round, serverEntry, sleep, writeJson } from './lib.js';
import { insertRaw, makeLeads, prepareRaw } from './raw.js';
import { cleanup, launch, log, logIn, makeShop, temporaryDataDir, temporaryDatabase } from './setup.js';

const ROOT = new URL('..', import.meta.url).pathname;
const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const num = (name: string, def: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const opt = { pglite: flag('pglite'), leads: num('leads', 1_000_000), rows: num('rows', 100_000), tsx: flag('tsx') };

interface Job {
  status: string;
  total: number;
  done: number;
  failed: number;
  result?: { url?: string; rows?: number; imported?: number };
  errors: { message: string }[];
}

async function main() {
  const info = machine(ROOT);
  const entry = serverEntry(ROOT, opt.tsx);
  const dataDir = temporaryDataDir();
  const url = opt.pglite ? undefined : await temporaryDatabase('files');
  const db = await openDatabase({ databaseUrl: url, dataDir });
  await migrate(db);
  const shop = await makeShop(db, 'Bench files', 5);
  const t0 = performance.now();
  for (let done = 0; done < opt.leads; done += 5000) {
    const leads = makeLeads(Math.min(5000, opt.leads - done), shop.products);
    await db.tx((q) => insertRaw(q, shop.accountId, shop.actor, prepareRaw(leads, shop.products)));
  }
  log(`${opt.leads} leads loaded in ${round((performance.now() - t0) / 1000)} s`);
  await db.close();

  const { server, rss } = await launch(ROOT, entry.args, { url, dataDir });
  const base = server.base;
  const cookie = await logIn(base, shop.email);
  const page = await fetch(`${base}/leads/import`, { headers: { cookie, accept: 'text/html' } });
  const token = /name="_token" value="([^"]+)"/.exec(await page.text())?.[1];
  if (!token) throw new Error('no CSRF token on /leads/import');
  const headers = { cookie, accept: 'application/json', referer: `${base}/leads` };
  const job = async (id: string) => (await (await fetch(`${base}/jobs/${id}`, { headers })).json()).data as Job;

  /** Polls the job until it ends, sampling the server's RSS (MB) against its progress every 250 ms. */
  async function follow(id: string) {
    const samples: { s: number; done: number; rss_mb: number }[] = [];
    const start = performance.now();
    for (;;) {
      const j = await job(id);
      samples.push({ s: round((performance.now() - start) / 1000, 2), done: j.done, rss_mb: rss.last() });
      if (j.status === 'done' || j.status === 'failed') return { job: j, seconds: round((performance.now() - start) / 1000, 2), samples };
      await sleep(250);
    }
  }

  // ---------------------------------------------------------------- import
  const skus = shop.products.map((p) => p.sku);
  const lines = ['full_name,phone,city,address,sku,quantity,price'];
  for (let i = 0; i < opt.rows; i++)
    lines.push(`Import ${i},06${String(40_000_000 + i)},Casablanca,${i} Rue Atlas,${skus[i % skus.length]},1,199`);
  const csv = Buffer.from(lines.join('\n'));
  rss.mark();
  const rssBeforeImport = rss.last();
  const form = new FormData();
  form.set('_token', token);
  form.set('file', new Blob([csv], { type: 'text/csv' }), 'leads.csv');
  const uploadStart = performance.now();
  const up = await fetch(`${base}/leads/import`, { method: 'POST', headers, body: form });
  if (up.status !== 202) throw new Error(`import: ${up.status} ${await up.text()}`);
  const uploadSeconds = round((performance.now() - uploadStart) / 1000, 2);
  const imported = await follow(((await up.json()) as { data: { job_id: string } }).data.job_id);
  if (imported.job.status !== 'done') throw new Error(`import failed: ${JSON.stringify(imported.job.errors.slice(0, 3))}`);
  const importPeak = rss.mark();
  log(
    `import of ${opt.rows} rows (${round(csv.length / 1024 / 1024)} MB): ${imported.seconds} s, server RSS ${rssBeforeImport} → peak ${importPeak} MB`,
  );

  // ---------------------------------------------------------------- export
  await sleep(2000);
  const rssBeforeExport = rss.last();
  rss.mark();
  const ex = await fetch(`${base}/leads/export`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _token: token, format: 'csv' }).toString(),
  });
  if (ex.status !== 202) throw new Error(`export: ${ex.status} ${await ex.text()}`);
  const exported = await follow(((await ex.json()) as { data: { job_id: string } }).data.job_id);
  if (exported.job.status !== 'done') throw new Error(`export failed: ${JSON.stringify(exported.job.errors)}`);
  const exportPeak = rss.mark();
  const file = await fetch(`${base}${exported.job.result!.url}`, { headers });
  let bytes = 0;
  for await (const chunk of file.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
  const running = exported.samples.filter((s) => s.done > 0);
  const at = (share: number) => running[Math.min(running.length - 1, Math.floor(running.length * share))]?.rss_mb ?? null;
  log(
    `export of ${exported.job.total} leads (${exported.job.result!.rows} rows, ${round(bytes / 1024 / 1024)} MB): ${exported.seconds} s, RSS ${rssBeforeExport} → peak ${exportPeak} MB`,
  );

  const results = {
    machine: { ...info, load_average_at_end: loadavg().map((l) => round(l, 2)) },
    server: entry.label,
    database: opt.pglite ? 'pglite' : 'postgres',
    existing_leads: opt.leads,
    import: {
      rows: opt.rows,
      file_mb: round(csv.length / 1024 / 1024, 2),
      upload_seconds: uploadSeconds,
      job_seconds: imported.seconds,
      rows_per_second: Math.round(opt.rows / imported.seconds),
      server_rss_before_mb: rssBeforeImport,
      server_rss_peak_mb: importPeak,
    },
    export: {
      leads: exported.job.total,
      rows: exported.job.result!.rows,
      file_mb: round(bytes / 1024 / 1024, 2),
      job_seconds: exported.seconds,
      rows_per_second: Math.round(exported.job.result!.rows! / exported.seconds),
      server_rss_before_mb: rssBeforeExport,
      server_rss_peak_mb: exportPeak,
      server_rss_at_10_50_90_percent_mb: [at(0.1), at(0.5), at(0.9)],
      samples: exported.samples.filter((_, i) => i % 8 === 0),
    },
  };
  const out = join(ROOT, 'bench', opt.pglite ? 'results-files-pglite.json' : 'results-files.json');
  await writeJson(out, results);
  console.table({
    import: { seconds: imported.seconds, rows: opt.rows, 'rss before MB': rssBeforeImport, 'rss peak MB': importPeak },
    export: { seconds: exported.seconds, rows: exported.job.result!.rows, 'rss before MB': rssBeforeExport, 'rss peak MB': exportPeak },
  });
  log(`wrote ${out}`);
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
