import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { loggedTestApp, type TestApp } from '../test-support/harness.js';
import { until } from '../test-support/until.js';
import { SECURITY_HEADERS } from './security-headers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("what Node's HTTP parser refuses (answerClientError)", () => {
  let t: TestApp & { log(): string };
  let port: number;
  const accepted: Socket[] = [];

  before(async () => {
    t = await loggedTestApp('info');
    t.app.server.on('connection', (s: Socket) => accepted.push(s));
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    port = (t.app.server.address() as AddressInfo).port;
  });
  after(() => t.close());

  /** Sends bytes as they are (or lets `onOpen` act) and reads until the server closes. */
  const exchange = (bytes: string, onOpen?: () => void) =>
    new Promise<string>((resolve, reject) => {
      let answer = '';
      const socket = connect(port, '127.0.0.1', () => (bytes ? socket.write(bytes) : onOpen?.()));
      socket.on('data', (chunk) => (answer += chunk.toString()));
      socket.on('close', () => (answer ? resolve(answer) : reject(new Error('no answer before the connection closed'))));
      socket.on('error', () => undefined);
    });

  const parse = (raw: string) => {
    const [head, body] = raw.split('\r\n\r\n');
    const [status, ...lines] = head.split('\r\n');
    const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    return { status, headers, body };
  };

  const refusals = () =>
    t
      .log()
      .split('\n')
      .filter((l) => l.includes('"request refused"'))
      .map((l) => JSON.parse(l) as { reqId?: string; res: { statusCode: number } });

  test('400, 431 and 408 carry a fresh X-Request-Id, the one their log line names, and the security headers', async () => {
    const tooLarge = parse(await exchange(`GET /api/web/1.0/leads?search=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`));
    assert.equal(tooLarge.status, 'HTTP/1.1 431 Request Header Fields Too Large');
    assert.equal(tooLarge.body, '{"message":"The request URL or headers are too large."}');
    // No parsed request to echo a client's id from: a fresh one, even if the bytes held one.
    const garbage = parse(await exchange('NOT HTTP AT ALL\r\nX-Request-Id: mine\r\n\r\n'));
    assert.equal(garbage.status, 'HTTP/1.1 400 Bad Request');
    assert.equal(garbage.body, '{"message":"The request is not valid HTTP."}');
    assert.equal(garbage.headers['content-type'], 'application/json; charset=utf-8');
    // Headers that did not arrive in time: Node's parser reports it on the connection's socket.
    const late = parse(
      await exchange('', () => {
        const err = Object.assign(new Error('Request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' });
        setTimeout(() => t.app.server.emit('clientError', err, accepted.at(-1)), 20);
      }),
    );
    assert.equal(late.status, 'HTTP/1.1 408 Request Timeout');

    const ids = [tooLarge, garbage, late].map((a) => a.headers['x-request-id']);
    for (const id of ids) assert.match(String(id), UUID);
    // Like every answer, the security headers (they had none).
    for (const a of [tooLarge, garbage, late]) {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) assert.equal(a.headers[name], value, name);
    }
    assert.equal(new Set(ids).size, 3, 'one id per answer');
    const logged = await until('the refusals logged', () => refusals().length === 3 && refusals());
    assert.deepEqual(
      logged.map((l) => [l.res.statusCode, l.reqId]),
      [
        [431, ids[0]],
        [400, ids[1]],
        [408, ids[2]],
      ],
    );
  });
});
