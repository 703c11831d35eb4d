import { definePolicy } from '../../core/policy.js';

type LedgerAction = 'view' | 'adjust' | 'fees';

/**
 * finance.md: a seller sees their account's balance and ledger; admins see every account's,
 * adjust them (with a comment) and set the fee tables. Nobody else sees money.
 */
export const ledgerPolicy = definePolicy<LedgerAction>({
  admin: ['view', 'adjust', 'fees'],
  seller: ['view'],
});
