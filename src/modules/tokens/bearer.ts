import type { Database } from '../../db/database.js';
import type { TokenActor } from '../../core/actor.js';
import type { Role } from '../../core/roles.js';
import { HOLDER_ACTIVE, parseToken, secretMatches } from './tokens.js';
import type { Scope } from '../../core/scopes.js';

interface TokenRow {
  id: number;
  name: string;
  secret_hash: string;
  scopes: Scope[];
  expires_at: Date | null;
  usable: boolean;
  user_id: string;
  role: Role;
  account_id: string;
  last_used_at: Date | null;
}

interface Cached {
  row: TokenRow | null;
  at: number;
  lastUsedWrite: number;
}

const CACHE_MS = 30_000; // safety net; the auth-change NOTIFY normally empties the cache at once
const LAST_USED_EVERY_MS = 60_000;

/**
 * Resolves bearer tokens to actors. Rows are cached per process and forgotten whenever a token,
 * user or account changes anywhere (a trigger NOTIFYs every process sharing the database).
 */
export class BearerAuth {
  private cache = new Map<number, Cached>();
  /** Counts the forgets: a look-up that overlaps one may have read the row before the change. */
  private generation = 0;

  constructor(private readonly db: Pick<Database, 'query' | 'listen'>) {}

  async start(): Promise<void> {
    await this.db.listen('codops_auth', () => this.forgetAll());
  }

  forgetAll(): void {
    this.generation++;
    this.cache.clear();
  }

  async authenticate(header: string | undefined): Promise<TokenActor | undefined> {
    if (!header) return undefined;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) return undefined;
    const parsed = parseToken(m[1]);
    if (!parsed) return undefined;
    const now = Date.now();
    let entry = this.cache.get(parsed.id);
    if (!entry || now - entry.at > CACHE_MS) {
      const generation = this.generation;
      const row = await this.load(parsed.id);
      entry = { row, at: now, lastUsedWrite: row?.last_used_at?.getTime() ?? 0 };
      if (this.cache.size > 10_000) this.cache.clear();
      // Unknown ids are not remembered: creating a token sends no NOTIFY, and a cached miss would
      // refuse the next token made with that id. Nor is a key its holder cannot use (inactive): made
      // usable again, it works at the next request, not once the NOTIFY has come. Nor is a row read
      // before a forget that came while it was on its way (a revoke committed meanwhile): this
      // request may use it, the next reads again.
      if (row?.usable && generation === this.generation) this.cache.set(parsed.id, entry);
    }
    const row = entry.row;
    if (!row || !row.usable || !secretMatches(parsed.secret, row.secret_hash)) return undefined;
    if (row.expires_at && row.expires_at.getTime() <= now) return undefined;
    if (now - entry.lastUsedWrite >= LAST_USED_EVERY_MS) {
      entry.lastUsedWrite = now;
      this.db.query('UPDATE api_tokens SET last_used_at = now() WHERE id = $1', [row.id]).catch(() => undefined);
    }
    return {
      kind: 'token',
      userId: row.user_id,
      tokenId: row.id,
      label: `API token "${row.name}"`,
      role: row.role,
      accountId: row.account_id,
      impersonatorId: null,
      scopes: new Set(row.scopes),
    };
  }

  private async load(id: number): Promise<TokenRow | null> {
    const { rows } = await this.db.query<TokenRow>(
      `SELECT t.id::int AS id, t.name, t.secret_hash, t.scopes, t.expires_at, t.last_used_at, t.account_id,
              u.id AS user_id, u.role,
              (t.revoked_at IS NULL AND ${HOLDER_ACTIVE}) AS usable
         FROM api_tokens t JOIN users u ON u.id = t.user_id JOIN accounts a ON a.id = t.account_id
        WHERE t.id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    bearer: BearerAuth;
  }
}
