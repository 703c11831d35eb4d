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

/** The sidebar's sections, in order; entries without one come first, under no heading. */
const SECTIONS = ['', 'Call centre', 'Catalog', 'Stock', 'Finance', 'Settings'];

/** The entries a user sees, grouped by section in the sidebar's order. */
export function navGroups(u: WebUser): { section: string; items: NavItem[] }[] {
  const visible = NAV.filter((n) => n.visible(u));
  return SECTIONS.map((section) => ({ section, items: visible.filter((n) => (n.section ?? '') === section) })).filter(
    (g) => g.items.length > 0,
  );
}

export function addNav(...items: NavItem[]) {
  for (const item of items) if (!NAV.some((n) => n.href === item.href)) NAV.push(item);
}
