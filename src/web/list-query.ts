import type { FastifyRequest } from 'fastify';
import { Type, type TSchema } from '@sinclair/typebox';
import { readStatusList, STATUS_LIST_MAX } from '../http/status-list.js';
import { compile, ErrorBag } from '../http/validation.js';
import { queryRecord } from './query.js';
import { wantsJson } from './scope.js';

/** A dashboard list's page size when its query names none. */
export const DASHBOARD_PER_PAGE = 25;

export interface ListParams {
  page: number;
  per_page: number;
  search?: string;
  status?: string;
  /** A `statusList` list's statuses (`status=new,no_reply`, as the API reads it). */
  statuses?: string[];
  sort: string;
  direction: 'asc' | 'desc';
  [filter: string]: unknown;
}

/**
 * The query of a dashboard list: `page`, `per_page` (1–1000), `search`, `status`, `sort`,
 * `direction` and the list's own filters. Without a `sort` the list reads `defaultSort` in
 * `defaultDirection` (newest first unless told); a named sort reads ascending. JSON clients get a
 * 422 for a bad value, as the API answers; a page shows the message beside the filter and lists without it (an overlong search
 * finds nothing).
 */
export function listQuery(opts: {
  sorts: readonly string[];
  defaultSort: string;
  defaultDirection?: 'asc' | 'desc';
  statuses?: readonly string[];
  /** `status` is a comma list of `statuses` (leads and orders, as their API lists read it). */
  statusList?: boolean;
  filters?: Record<string, TSchema>;
}) {
  const schema = Type.Partial(
    Type.Object({
      page: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
      per_page: Type.Integer({ minimum: 1, maximum: 1000 }),
      search: Type.String({ maxLength: 100 }),
      status: opts.statusList
        ? Type.String({ maxLength: STATUS_LIST_MAX })
        : Type.String({ enum: [...(opts.statuses ?? ['active', 'inactive'])] }),
      sort: Type.String({ enum: [...opts.sorts] }),
      direction: Type.String({ enum: ['asc', 'desc'] }),
      ...(opts.filters ?? {}),
    }),
  );
  const v = compile(schema);
  return (req: FastifyRequest): ListParams => {
    const bag = new ErrorBag();
    const raw = queryRecord(req);
    let value = v.check(raw, bag) as Record<string, unknown>;
    let statuses = opts.statusList && typeof value.status === 'string' ? readStatusList(value.status, opts.statuses ?? [], bag) : undefined;
    if (bag.size > 0) {
      if (bag.has('status')) statuses = undefined;
      if (wantsJson(req)) bag.throwIfAny(schema);
      req.listErrors = bag.toJSON();
      const { search } = raw;
      for (const k of Object.keys(req.listErrors)) delete raw[k.split('.')[0]];
      value = v.check(raw, new ErrorBag()) as Record<string, unknown>;
      // A search longer than any searchable value still searches, and so finds nothing.
      if (typeof search === 'string') value.search = search;
    }
    const sort = (value.sort as string | undefined) ?? opts.defaultSort;
    const direction = (value.direction as 'asc' | 'desc' | undefined) ?? (value.sort ? 'asc' : (opts.defaultDirection ?? 'desc'));
    return {
      ...value,
      ...(statuses && { statuses: statuses.length ? statuses : undefined, status: statuses.length === 1 ? statuses[0] : undefined }),
      page: (value.page as number) ?? 1,
      per_page: (value.per_page as number) ?? DASHBOARD_PER_PAGE,
      sort,
      direction,
    };
  };
}
