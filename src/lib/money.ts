/** Money has two decimals; sums are made in cents so that 0.1 + 0.2 stays 0.3. */
const toCents = (amount: number) => Math.round(amount * 100);
const fromCents = (cents: number) => cents / 100;

export function linesTotal(lines: { quantity: number; price: number }[]): number {
  return fromCents(lines.reduce((sum, l) => sum + toCents(l.price) * l.quantity, 0));
}
