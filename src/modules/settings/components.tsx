import type { WebUser } from '../../web/types.js';
import { usePage } from '../../web/page-context.js';
import { formatDate, formatDateTime } from '../../web/format.js';
import { PageHeader } from '../../web/ui.js';
import { invoicePolicy } from '../invoices/policy.js';
import { apiKeyPolicy } from '../tokens/policy.js';
import { webhookPolicy } from '../webhooks/policy.js';

const TABS: { href: string; label: string; visible: (u: WebUser) => boolean }[] = [
  { href: '/settings/profile', label: 'Profile', visible: () => true },
  { href: '/settings/password', label: 'Password', visible: () => true },
  { href: '/settings/api-keys', label: 'API keys', visible: apiKeyPolicy.can('manage') },
  { href: '/settings/webhooks', label: 'Webhooks', visible: webhookPolicy.can('manage') },
  { href: '/settings/payment', label: 'Payment details', visible: invoicePolicy.can('request') },
];

/** The settings pages' header and tabs (Profile, Password, API keys, Webhooks, Payment details). */
export function SettingsHeader(p: { title: string; subtitle?: string; actions?: preact.ComponentChildren }) {
  const { user, url } = usePage();
  const tabs = user ? TABS.filter((t) => t.visible(user)) : [];
  return (
    <>
      <PageHeader title={p.title} subtitle={p.subtitle} actions={p.actions} />
      <nav class="tabs" aria-label="Settings">
        {tabs.map((t) => {
          const on = url.pathname === t.href || url.pathname.startsWith(t.href + '/');
          return (
            <a href={t.href} class={on ? 'active' : undefined} aria-current={on ? 'page' : undefined}>
              {t.label}
            </a>
          );
        })}
      </nav>
    </>
  );
}

/** `2026-01-15T14:30:00Z` as the API writes times, or null. */
export const isoSeconds = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString().replace(/\.\d{3}Z$/, 'Z') : null);

/** A time people read: `15 Jan 2026, 14:30 UTC+1` (or the day alone) in the platform's zone, with the exact value for machines. */
export function When(p: { at: Date | string | null | undefined; empty?: string; date?: boolean }) {
  if (!p.at) return <span class="muted">{p.empty ?? '—'}</span>;
  const full = formatDateTime(p.at);
  return (
    <time datetime={isoSeconds(p.at)!} title={p.date ? full : undefined}>
      {p.date ? formatDate(p.at) : full}
    </time>
  );
}
