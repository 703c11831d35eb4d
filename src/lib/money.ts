/**
 * An amount in cents, rounded half away from zero as PostgreSQL's `numeric(…, 2)` stores it. Rounded from
 * the number's decimal text, not its binary value: `Math.round(1.005 * 100)` is 100 (1.005 is
 * 1.00499999… in binary) where the database stores 1.01, and a lead's total then missed its lines' sum.
 */
function toCents(amount: number): number {
  const text = String(Math.abs(amount));
  if (text.includes('e')) return Math.round(amount * 100); // below 1e-6 (0 cents) or beyond any price
  const [whole, fraction = ''] = text.split('.');
  const cents = Number(whole) * 100 + Number(fraction.slice(0, 2).padEnd(2, '0')) + (fraction[2] >= '5' ? 1 : 0);
  return amount < 0 ? -cents : cents;
}

const fromCents = (cents: number) => cents / 100;

/** The total of lines as the database stores them: each price in cents, times its quantity; sums in cents, so 0.1 + 0.2 stays 0.3. */
export function linesTotal(lines: { quantity: number; price: number }[]): number {
  return fromCents(lines.reduce((sum, l) => sum + toCents(l.price) * l.quantity, 0));
}
