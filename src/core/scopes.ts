export const SCOPES = [
  'CREATE LEADS',
  'VIEW LEADS',
  'UPDATE LEADS',
  'DELETE LEADS',
  'CREATE ORDERS',
  'VIEW ORDERS',
  'UPDATE ORDERS',
  'DELETE ORDERS',
] as const;
export type Scope = (typeof SCOPES)[number];
export const isScope = (s: string): s is Scope => (SCOPES as readonly string[]).includes(s);
