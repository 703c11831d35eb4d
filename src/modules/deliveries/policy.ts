import { definePolicy } from '../../core/policy.js';

/**
 * Own couriers (fulfilment.md): a `delivery` user's page of the orders they carry, and their two
 * moves on them (the lifecycle's `courier` mover checks the order is theirs). Nobody else has it.
 */
export const deliveryPolicy = definePolicy<'view' | 'mark'>({ delivery: ['view', 'mark'] });
