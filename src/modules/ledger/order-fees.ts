/**
 * An order's delivery or return fee (finance.md): the account's own flat fee when it has one, else
 * its shipping company's fee for the order's city, else the account's default. `company` is the SQL
 * of the company's id: the order's own, or the one a push is about to give it.
 */
const cityFee = (o: string, fee: 'delivery_fee' | 'return_fee', company = `${o}.shipping_company_id`) => `coalesce(
  (SELECT f.${fee} FROM account_fees f WHERE f.account_id = ${o}.account_id),
  (SELECT sc.${fee} FROM shipping_company_cities sc JOIN cities ci ON ci.id = sc.city_id
    WHERE sc.shipping_company_id = ${company} AND lower(ci.name) = lower(${o}.city) LIMIT 1),
  (SELECT f.default_${fee} FROM account_fees f WHERE f.account_id = ${o}.account_id), 0)`;

export const DELIVERY_FEE = (o: string, company?: string) => cityFee(o, 'delivery_fee', company);
export const RETURN_FEE = (o: string, company?: string) => cityFee(o, 'return_fee', company);

/**
 * The cash a courier collects at the door (finance.md), from today's fee tables: the order's total,
 * plus the delivery fee when the customer pays it (`is_fees_paid_by_customer`). Fixed on the order as
 * `orders.cod_amount` when it leaves for delivery (orders/lifecycle.ts transitionOrders, `shipped`);
 * read it through CASH_TO_COLLECT, never this, once the order may have left.
 */
export const COD_AMOUNT = (o: string, company?: string) =>
  `(${o}.total + CASE WHEN ${o}.is_fees_paid_by_customer THEN ${DELIVERY_FEE(o, company)} ELSE 0 END)`;

/**
 * The cash to collect for an order: the amount fixed when it left for delivery (the label, the parcel,
 * the courier's round, the `delivered` ledger row and the courier's cash all say it), else, while it
 * has not left (new, canceled), today's estimate. A fee changed meanwhile changes no order on the road.
 */
export const CASH_TO_COLLECT = (o: string) => `coalesce(${o}.cod_amount, ${COD_AMOUNT(o)})`;
