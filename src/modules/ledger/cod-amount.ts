/**
 * The delivery fee of an order (finance.md): its shipping company's fee for the order's city, else
 * the account's default. `company` is the SQL of the company's id: the order's own, or the one a
 * push is about to give it. The ledger (book.ts) books the same fee when the order is delivered.
 */
export const DELIVERY_FEE = (o: string, company = `${o}.shipping_company_id`) => `coalesce(
  (SELECT sc.delivery_fee FROM shipping_company_cities sc JOIN cities ci ON ci.id = sc.city_id
    WHERE sc.shipping_company_id = ${company} AND lower(ci.name) = lower(${o}.city) LIMIT 1),
  (SELECT f.default_delivery_fee FROM account_fees f WHERE f.account_id = ${o}.account_id), 0)`;

/**
 * The cash a courier collects at the door (finance.md): the order's total, plus the delivery fee when
 * the customer pays it (`is_fees_paid_by_customer`). What the ledger books as `delivered`.
 */
export const COD_AMOUNT = (o: string, company?: string) =>
  `(${o}.total + CASE WHEN ${o}.is_fees_paid_by_customer THEN ${DELIVERY_FEE(o, company)} ELSE 0 END)`;
