import type { WebUser } from '../../web/types.js';
import { categoryPolicy, type CategoryAction } from '../categories/policy.js';

/** domain.md gives categories, cities and areas one row: the same policy serves all three. */
export const cityPolicy = categoryPolicy;
type CityAction = CategoryAction;

export const canCities = (action: CityAction) => (user: WebUser) => cityPolicy.allows(user.role, action);
