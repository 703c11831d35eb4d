import { recordsApi, type ApiScope } from '../records/records-api.js';
import { listQuery } from '../listing/api-helpers.js';
import { orderPolicy } from './policy.js';
import { forbidden } from '../../http/errors.js';
import { orderHistoryPage, orderJson, orderPage, orderScopeOf, reachableOrders, type OrderScope } from './queries.js';
import { ORDER_FIELDS, OrderBulkPatchBody, OrderCreateBody, OrderPatch, OrderResource } from './schemas.js';
import { ORDER_STATUSES, type OrderStatus } from './transitions.js';
import { createOrdersFromApi, deleteOrders, patchOrder, patchOrdersBulk } from './service.js';

/** `/orders` and `/order-histories` (api-v1.md). */
export const ordersApi = recordsApi({
  one: 'order',
  many: 'orders',
  statuses: ORDER_STATUSES,
  schemas: { create: OrderCreateBody, patch: OrderPatch, bulkPatch: OrderBulkPatchBody, resource: OrderResource, list: listQuery },
  authorize: orderPolicy.authorize,
  docs: {
    show: 'Show an order',
    update: 'Update an order: fields while open, status by the lifecycle',
    delete: 'Delete an order (only new or canceled ones)',
  },
  create: (q, actor, body) => createOrdersFromApi(q, actor, actor.accountId, body),
  // The dashboard's reach (a courier their orders, an agent those they confirmed) inside the token's account.
  scope: async (_q, actor) => {
    const scope = orderScopeOf(actor);
    return { ...scope, accountId: actor.accountId, narrows: scope.deliveryUserId !== undefined || scope.confirmedBy !== undefined };
  },
  reachable: (q, scope, references) => reachableOrders(q, scope as OrderScope & ApiScope, references),
  // Couriers update orders by their moves, not their fields (policy.ts: no `edit`).
  checkPatch: async (_q, actor, items) => {
    if (orderPolicy.authorize(actor, 'edit')) return;
    const edits = (item: unknown) => typeof item === 'object' && item !== null && ORDER_FIELDS.some((f) => f in item);
    if (items.some(edits)) throw forbidden();
  },
  page: (q, scope, f) => orderPage(q, scope as OrderScope, { ...f, status: f.status as OrderStatus[] | undefined }),
  json: orderJson,
  patch: (q, actor, reference, body, unreachable) => patchOrder(q, actor, actor.accountId, reference, body, undefined, unreachable),
  patchBulk: (q, actor, body, unreachable) => patchOrdersBulk(q, actor, actor.accountId, body, unreachable),
  remove: (q, actor, references, keyOf, bag) => deleteOrders(q, actor.accountId, references, keyOf, bag, actor),
  histories: (q, scope, f) => orderHistoryPage(q, scope as OrderScope, f),
});
