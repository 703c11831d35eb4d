import { definePolicy, grant } from '../../core/policy.js';
import { MANAGER_ROLES } from '../../core/roles.js';

/** `move`: increment and decrement; `history`: the stock histories row of domain.md's matrix. */
type StockAction = 'view' | 'create' | 'update' | 'delete' | 'move' | 'history';

/**
 * domain.md's stocks and stock histories rows: the admin does everything, managers look, a stock
 * manager creates, edits and moves the stocks of their warehouses, a seller sees their account's.
 */
export const stockPolicy = definePolicy<StockAction>({
  admin: ['view', 'create', 'update', 'delete', 'move', 'history'],
  ...grant(MANAGER_ROLES, ['view', 'history']),
  'stock-manager': ['view', 'create', 'update', 'move', 'history'],
  seller: ['view', 'history'],
});
