import { categoryPolicy } from '../categories/policy.js';

/** domain.md gives categories, cities and areas one row: the same policy serves all three. */
export const cityPolicy = categoryPolicy;
