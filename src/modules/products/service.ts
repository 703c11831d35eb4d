import type { Queryable } from '../../db/database.js';
import { newId } from '../../lib/ids.js';

export interface NewProduct {
  accountId: string;
  sku: string;
  name: string;
  price: number;
  status?: 'active' | 'inactive';
}

export async function createProduct(q: Queryable, p: NewProduct): Promise<{ id: string }> {
  const id = newId();
  await q.query('INSERT INTO products (id, account_id, sku, name, price, status) VALUES ($1, $2, $3, $4, $5, $6)', [
    id,
    p.accountId,
    p.sku,
    p.name,
    p.price,
    p.status ?? 'active',
  ]);
  return { id };
}
