import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

/** The host every agent request names, so a Referer of ours counts as same-site. */
export const HOST = 'codops.test';

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
type Headers = Record<string, string>;
export type FormValue = string | number | boolean | null | undefined | FormValue[] | { [k: string]: FormValue };

/**
 * Encodes a body as an HTML form would: arrays as `name[]` (objects in them as `name[0][key]`),
 * booleans as "1"/"0"; null and undefined are left out.
 */
export function encodeForm(body: Record<string, FormValue>): string {
  const out = new URLSearchParams();
  const add = (key: string, v: FormValue) => {
    if (v === null || v === undefined) return;
    if (Array.isArray(v)) {
      v.forEach((item, i) => (item !== null && typeof item === 'object' ? add(`${key}[${i}]`, item) : add(`${key}[]`, item)));
    } else if (typeof v === 'object') {
      for (const [k, sub] of Object.entries(v)) add(`${key}[${k}]`, sub);
    } else out.append(key, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  };
  for (const [k, v] of Object.entries(body)) add(k, v);
  return out.toString();
}

/** A browser-like client for `app.inject`: keeps cookies, the CSRF token and the last page (Referer). */
export interface Agent {
  /** The CSRF token of the last page seen ('' before any). */
  readonly token: string;
  /** The `codops_session` cookie, if any. */
  readonly session: string | undefined;
  get(url: string, headers?: Headers): Promise<LightMyRequestResponse>;
  /**
   * Posts an HTML form: `_token` included (pass `token: false` to leave it out, or a string to
   * send another) and `_method` when a method other than POST is given.
   */
  form(
    url: string,
    body?: Record<string, FormValue>,
    opts?: { method?: 'PATCH' | 'PUT' | 'DELETE'; token?: string | false; headers?: Headers },
  ): Promise<LightMyRequestResponse>;
  /** A JSON request (`Accept: application/json`, `X-CSRF-Token` on unsafe methods unless `token: false`). */
  json(method: Method, url: string, body?: unknown, opts?: { token?: string | false; headers?: Headers }): Promise<LightMyRequestResponse>;
  /** GETs the Location of a redirect. */
  follow(res: LightMyRequestResponse): Promise<LightMyRequestResponse>;
  /** Where the user lands: `/`, or the page it sends them to (an agent's call queue). */
  home(): Promise<LightMyRequestResponse>;
}

const TOKEN = /name="_token" value="([^"]+)"/;

export function agent(app: FastifyInstance): Agent {
  const cookies = new Map<string, string>();
  let token = '';
  let lastPage = '/';

  const cookieHeader = () => (cookies.size ? [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') : undefined);
  const keep = (res: LightMyRequestResponse) => {
    for (const c of res.cookies as { name: string; value: string; expires?: Date; maxAge?: number }[]) {
      const gone = c.value === '' || c.maxAge === 0 || (c.expires !== undefined && c.expires.getTime() < Date.now());
      if (gone) cookies.delete(c.name);
      else cookies.set(c.name, c.value);
    }
    const m = TOKEN.exec(res.body);
    if (m) token = m[1];
    return res;
  };
  const headers = (extra: Headers = {}): Headers => {
    const h: Headers = { host: HOST, referer: `http://${HOST}${lastPage}`, ...extra };
    const c = cookieHeader();
    if (c) h.cookie = c;
    return h;
  };
  /** A fresh token when none was seen since the session changed. */
  const ensureToken = async () => {
    if (!token) await self.home();
    return token;
  };

  const self: Agent = {
    get token() {
      return token;
    },
    get session() {
      return cookies.get('codops_session');
    },
    async get(url, extra) {
      const res = keep(await app.inject({ method: 'GET', url, headers: headers({ accept: 'text/html', ...extra }) }));
      if (res.statusCode === 200 && /text\/html/.test(String(res.headers['content-type']))) lastPage = url;
      return res;
    },
    async form(url, body = {}, opts = {}) {
      const t = opts.token === false ? undefined : typeof opts.token === 'string' ? opts.token : await ensureToken();
      const payload: Record<string, FormValue> = {
        ...(t !== undefined ? { _token: t } : {}),
        ...(opts.method ? { _method: opts.method } : {}),
        ...body,
      };
      const before = cookies.get('codops_session');
      const res = keep(
        await app.inject({
          method: 'POST',
          url,
          payload: encodeForm(payload),
          headers: headers({ 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', ...opts.headers }),
        }),
      );
      if (cookies.get('codops_session') !== before) token = ''; // a new session (login, logout, log in as) has a new secret
      return res;
    },
    async json(method, url, body, opts = {}) {
      const unsafe = method !== 'GET';
      const t = !unsafe || opts.token === false ? undefined : typeof opts.token === 'string' ? opts.token : await ensureToken();
      const before = cookies.get('codops_session');
      const res = keep(
        await app.inject({
          method,
          url,
          ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
          headers: headers({
            accept: 'application/json',
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...(t ? { 'x-csrf-token': t } : {}),
            ...opts.headers,
          }),
        }),
      );
      if (cookies.get('codops_session') !== before) token = '';
      return res;
    },
    async follow(res) {
      const location = res.headers.location;
      if (!location) throw new Error(`not a redirect: ${res.statusCode}`);
      return self.get(String(location));
    },
    async home() {
      const res = await self.get('/');
      return res.statusCode === 302 && res.headers.location !== '/login' ? self.follow(res) : res;
    },
  };
  return self;
}

/** Logs in through the login form; throws unless it answers the 302 of a success. */
export async function login(app: FastifyInstance, email: string, password = 'password-123'): Promise<Agent> {
  const a = agent(app);
  await a.get('/login');
  const res = await a.form('/login', { email, password });
  if (res.statusCode !== 302 || res.headers.location === '/login')
    throw new Error(`login failed for ${email}: ${res.statusCode} ${res.headers.location}`);
  return a;
}
