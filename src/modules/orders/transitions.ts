import type { Actor } from '../../core/actor.js';
import type { Role } from '../../core/roles.js';
import { messages } from '../../http/validation.js';
import type { OrderStockEffect } from '../stocks/effects.js';

export const ORDER_STATUSES = ['new', 'shipped', 'delivered', 'returned', 'canceled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * Who moves an order: a dashboard user by role, an API token, the system (jobs, the demo), and a
 * courier (a delivery user, on the orders they carry).
 */
type Mover = Role | 'token' | 'system' | 'courier';

interface OrderMove {
  by: readonly Mover[];
  /** What the caller must give besides the status (the dashboard's ship form). */
  needs?: readonly ('tracking_number' | 'delivery_user_id')[];
  /** What follows in stock (src/modules/stocks/effects.ts); every move also appends a history. */
  stock?: OrderStockEffect;
}

const RENEWERS: readonly Mover[] = ['admin', 'follow-up-agent', 'seller', 'token', 'system'];
const MARKERS: readonly Mover[] = ['admin', 'follow-up-agent', 'courier', 'system'];

/**
 * The order lifecycle (domain.md), the one table of it: from → to, who may, what it needs, what
 * follows. new → shipped | canceled; shipped → delivered | returned; returned | canceled → new (renew).
 */
const ORDER_LIFECYCLE: Record<OrderStatus, Partial<Record<OrderStatus, OrderMove>>> = {
  new: {
    shipped: { by: ['admin', 'system'], needs: ['tracking_number', 'delivery_user_id'], stock: 'ship' },
    canceled: { by: ['admin', 'seller', 'token', 'system'], stock: 'release' },
  },
  shipped: {
    delivered: { by: MARKERS },
    returned: { by: MARKERS, stock: 'return' },
  },
  delivered: {},
  returned: { new: { by: RENEWERS, stock: 'reserve again' } },
  canceled: { new: { by: RENEWERS, stock: 'reserve again' } },
};

/** What the move needs from its caller (a move the table has). */
export const orderMoveNeeds = (from: OrderStatus, to: OrderStatus) => ORDER_LIFECYCLE[from][to]?.needs ?? [];

/** What the move does to the order's stock. */
export const orderStockEffect = (from: OrderStatus, to: OrderStatus) => ORDER_LIFECYCLE[from][to]?.stock;

/** The order as the lifecycle reads it: its status and its courier. */
export interface OrderState {
  status: OrderStatus;
  delivery_user_id: string | null;
}

function moverOf(actor: Actor, order: OrderState): Mover | null {
  if (actor.kind !== 'user') return actor.kind;
  if (actor.role === 'delivery') return order.delivery_user_id === actor.userId ? 'courier' : null;
  return actor.role;
}

/** Why this actor cannot move the order to `to` (the 422 message on `key`), or undefined. */
export function orderMoveRefusal(actor: Actor, order: OrderState, to: OrderStatus, key = 'status'): string | undefined {
  const move = ORDER_LIFECYCLE[order.status][to];
  if (!move) return messages.statusTransition(order.status, to);
  const mover = moverOf(actor, order);
  return mover && move.by.includes(mover) ? undefined : messages.invalid(key);
}

/**
 * Whether an API token may not make a move the lifecycle has because of its user's role (api-v1.md:
 * "a staff token … its role must allow the action too (otherwise 403)"): a staff token moves as its
 * user would in the dashboard (a manager cannot cancel, a courier not renew). A seller's or an admin's
 * token moves as `token`.
 */
export function tokenRoleForbids(actor: Actor, order: OrderState, to: OrderStatus): boolean {
  if (actor.kind !== 'token' || !actor.role || actor.role === 'admin' || actor.role === 'seller') return false;
  const move = ORDER_LIFECYCLE[order.status][to];
  if (!move) return false; // the transition's own 422
  const asUser = moverOf({ ...actor, kind: 'user' }, order);
  return !asUser || !move.by.includes(asUser);
}

/** The statuses this actor may move the order to, in the lifecycle's order (an order page's choices). */
export const orderMovesFor = (actor: Actor, order: OrderState): OrderStatus[] =>
  ORDER_STATUSES.filter((to) => !orderMoveRefusal(actor, order, to));

/** The statuses an API token may ever set (its schema's enum). */
export const TOKEN_ORDER_TARGETS = ORDER_STATUSES.filter((to) =>
  Object.values(ORDER_LIFECYCLE).some((moves) => moves[to]?.by.includes('token')),
);
