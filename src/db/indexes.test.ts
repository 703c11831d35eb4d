import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withTestApp } from '../test-support/harness.js';

// Migration 0025: rows arrive in increasing time, so a DESC index on a time or id column takes every
// insert at its leftmost leaf and splits it in half (docs/decisions.md, "Ascending time indexes").
test('indexes on creation time and ids are ascending, and serve the newest-first lists read backwards', () =>
  withTestApp(async (t) => {
    const { rows } = await t.db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND pg_get_indexdef(i.indexrelid) LIKE '% DESC%'`,
    );
    assert.deepEqual(
      rows.map((r) => r.name),
      [],
    );
    const plan = await t.db.tx(async (q) => {
      await q.query('SET LOCAL enable_seqscan = off');
      await q.query('SET LOCAL enable_bitmapscan = off');
      const { rows: lines } = await q.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT id FROM leads WHERE account_id = 'a' AND status = 'new' AND deleted_at IS NULL
          ORDER BY created_at DESC, id DESC LIMIT 50`,
      );
      return lines.map((l) => l['QUERY PLAN']).join('\n');
    });
    assert.match(plan, /Index Scan Backward using leads_(account_)?status_created /);
    assert.doesNotMatch(plan, /Sort/);
  }));
