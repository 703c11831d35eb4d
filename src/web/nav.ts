import type { WebUser } from './types.js';

interface NavItem {
  label: string;
  href: string;
  /** The icon's name in public/icons.svg. */
  icon: string;
  visible: (u: WebUser) => boolean;
  section?: string;
}

/** Menu entries; each module adds its own, shown only to roles its policy lets in. */
export const NAV: NavItem[] = [];

export function addNav(...items: NavItem[]) {
  for (const item of items) if (!NAV.some((n) => n.href === item.href)) NAV.push(item);
}
