import type { Queryable } from '../../db/database.js';
import { contains } from '../../db/where.js';
import { sortedPage } from '../../db/paging.js';
import type { ListParams } from '../../web/list-query.js';
import { Where } from '../../db/where.js';
import { nameTaken } from '../../db/names.js';

interface CategoryJson {
  id: string;
  name: string;
  created_at: string;
  updated_at: string;
}

const CATEGORY_JSON = `json_build_object('id', c.id, 'name', c.name, 'created_at', iso_utc(c.created_at), 'updated_at', iso_utc(c.updated_at))`;
const PRODUCTS = '(SELECT count(*) FROM products p WHERE p.category_id = c.id AND p.deleted_at IS NULL)::int';

const SORTS: Record<string, string> = { name: 'lower(c.name)', products: PRODUCTS, created_at: 'c.created_at' };
export const CATEGORY_SORTS = Object.keys(SORTS);

export interface CategoryRow {
  data: CategoryJson;
  products: number;
}

export async function listCategories(q: Queryable, p: ListParams) {
  const w = new Where();
  if (p.search) w.and(`c.name ILIKE ${w.param(contains(p.search))}`);
  return sortedPage<CategoryRow>(q, {
    select: `${CATEGORY_JSON} AS data, ${PRODUCTS} AS products`,
    from: 'FROM categories c',
    where: w,
    sorts: SORTS,
    defaultSort: 'name',
    key: 'c.id',
    list: p,
  });
}

export async function findCategory(q: Queryable, id: string): Promise<CategoryRow | undefined> {
  const { rows } = await q.query<CategoryRow>(
    `SELECT ${CATEGORY_JSON} AS data, ${PRODUCTS} AS products FROM categories c WHERE c.id = $1`,
    [id],
  );
  return rows[0];
}

/** [id, name] of every category, for pickers and filters. */
export async function categoryOptions(q: Queryable): Promise<[string, string][]> {
  const { rows } = await q.query<{ id: string; name: string }>('SELECT id, name FROM categories ORDER BY lower(name), id');
  return rows.map((r) => [r.id, r.name]);
}

export async function categoryExists(q: Queryable, id: string): Promise<boolean> {
  return (await q.query('SELECT 1 FROM categories WHERE id = $1', [id])).rows.length > 0;
}

export const categoryNameTaken = (q: Queryable, name: string, exceptId?: string) => nameTaken(q, 'categories', name, exceptId);

/** The categories among `ids` that live products still use, with how many. */
export async function categoriesInUse(q: Queryable, ids: string[]) {
  const { rows } = await q.query<{ id: string; name: string; products: number }>(
    `SELECT c.id, c.name, count(*)::int AS products FROM categories c JOIN products p ON p.category_id = c.id AND p.deleted_at IS NULL
      WHERE c.id = ANY($1::text[]) GROUP BY c.id, c.name ORDER BY lower(c.name)`,
    [ids],
  );
  return rows;
}
