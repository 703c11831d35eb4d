/** Who a lead or order goes to and where: the customer fields every record carries. */
export interface Recipient {
  reference: string;
  full_name: string;
  phone: string;
  city: string;
  area: string | null;
  address: string;
}
