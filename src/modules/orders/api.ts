import { recordsApi } from '../records/records-api.js';
import { orderPolicy } from './policy.js';
import { orderHistoryPage, orderJson, orderPage } from './queries.js';
import { OrderBulkPatchBody, OrderCreateBody, OrderPatch, OrderResource } from './schemas.js';
import { ORDER_STATUSES, type OrderStatus } from './transitions.js';
import { createOrdersFromApi, deleteOrders, patchOrder, patchOrdersBulk } from './service.js';

/** `/orders` and `/order-histories` (api-v1.md). */
export const ordersApi = recordsApi({
  one: 'order',
  many: 'orders',
  statuses: ORDER_STATUSES,
  schemas: { create: OrderCreateBody, patch: OrderPatch, bulkPatch: OrderBulkPatchBody, resource: OrderResource },
  authorize: orderPolicy.authorize,
  docs: {
    show: 'Show an order',
    update: 'Update an order: fields while open, status by the lifecycle',
    delete: 'Delete an order (only new or canceled ones)',
  },
  create: (q, actor, body) => createOrdersFromApi(q, actor, actor.accountId, body),
  page: (q, accountId, f) => orderPage(q, accountId, { ...f, status: f.status as OrderStatus[] | undefined }),
  json: orderJson,
  patch: (q, actor, reference, body) => patchOrder(q, actor, actor.accountId, reference, body),
  patchBulk: (q, actor, body) => patchOrdersBulk(q, actor, actor.accountId, body),
  remove: (q, actor, references, keyOf, bag) => deleteOrders(q, actor.accountId, references, keyOf, bag, actor),
  histories: orderHistoryPage,
});
