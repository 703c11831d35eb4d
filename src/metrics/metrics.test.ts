import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, tenant, type TestApp } from '../test-support/harness.js';

describe('GET /metrics', () => {
  let off: TestApp;
  let on: TestApp;
  before(async () => {
    off = await testApp({ METRICS_TOKEN: '' });
    on = await testApp({ METRICS_TOKEN: 'metrics-secret-1234' });
  });
  after(async () => {
    await off.close();
    await on.close();
  });

  test('404 when METRICS_TOKEN is not set, even with a token', async () => {
    const res = await off.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { accept: 'application/json', authorization: 'Bearer x' },
    });
    assert.equal(res.statusCode, 404);
    assert.deepEqual(res.json(), { message: 'Resource not found.' });
  });

  test('401 without a token or with a wrong one', async () => {
    for (const authorization of [undefined, 'Bearer wrong', 'Bearer metrics-secret-12345', 'metrics-secret-1234']) {
      const res = await on.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { accept: 'application/json', ...(authorization ? { authorization } : {}) },
      });
      assert.equal(res.statusCode, 401, String(authorization));
      assert.deepEqual(res.json(), { message: 'Unauthenticated.' });
    }
  });

  test('/up stays public', async () => {
    const res = await on.app.inject({ method: 'GET', url: '/up' });
    assert.equal(res.statusCode, 200);
  });

  test('the Prometheus text format: requests per route, latency, jobs, memory', async () => {
    const { auth } = await tenant(on.db);
    await on.app.inject({ method: 'GET', url: '/api/web/1.0/leads', headers: auth });
    await on.app.inject({ method: 'GET', url: '/api/web/1.0/leads/NOPE', headers: auth });
    await on.app.inject({ method: 'GET', url: '/no/such/page' });
    const res = await on.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer metrics-secret-1234' } });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const body = res.body;
    assert.match(body, /^http_requests_total\{method="GET",route="\/api\/web\/1\.0\/leads",status="200"\} 1$/m);
    assert.match(body, /^http_requests_total\{method="GET",route="\/api\/web\/1\.0\/leads\/:reference",status="404"\} 1$/m);
    assert.match(body, /^http_requests_total\{method="GET",route="unmatched",status="404"\} 1$/m);
    assert.match(
      body,
      /^http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/api\/web\/1\.0\/leads",status="200"\} \d+$/m,
    );
    assert.match(body, /^# TYPE codops_jobs_queued gauge$/m);
    assert.match(body, /^# TYPE codops_jobs_failed_last_day gauge$/m);
    assert.match(body, /^process_resident_memory_bytes \d+/m);
    assert.match(body, /^nodejs_heap_size_used_bytes \d+/m);
    if (on.db.kind === 'postgres') assert.match(body, /^codops_db_pool_connections\{state="in_use"\} \d+$/m);
  });
});
