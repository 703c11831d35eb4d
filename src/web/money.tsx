import { usePage } from './page-context.js';

/** The deployment's one currency (domain.md: MAD by default). */
const CURRENCY = 'MAD';

export const formatMoney = (n: number | null | undefined) =>
  n === null || n === undefined ? '—' : `${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${CURRENCY}`;

/** A monetary value, or a mask for a user who turned on "hide money". */
export function Money({ value }: { value: number | null | undefined }) {
  const { user } = usePage();
  if (user?.hide_money)
    return (
      <span class="muted" title="Hidden (hide money is on in your profile)">
        •••
      </span>
    );
  return <span class="money">{formatMoney(value)}</span>;
}
