/**
 * The courier adapters' one small interface (operations.md): create a parcel, fetch the statuses of
 * many, cancel one, and map the courier's statuses onto ours. `manual` makes no call (the admin
 * types the tracking number); `http` speaks fulfilment.md's courier protocol (http-courier.ts).
 */

/** What codops sends for an order (fulfilment.md). */
export interface ParcelRequest {
  reference: string;
  customer: { full_name: string; phone: string; city: string; area: string | null; address: string | null };
  cod_amount: number;
  items: { sku: string; name: string; quantity: number }[];
}

/** The courier's parcel: its tracking number only (a `label_url` is not read: codops prints its own labels). */
export interface Parcel {
  tracking_number: string;
}

export interface CourierEvent {
  status: string;
  at: string;
  note?: string;
}

export interface ParcelStatus {
  tracking_number: string;
  status: string;
  /** Each `at` an instant (ISO, with its zone). */
  events: CourierEvent[];
  /**
   * Why some events were not recorded (`at` no date-time, a status over its limit…), one reason each:
   * reported on the sync job; the parcel's other events and its status still count.
   */
  unreadable?: string[];
}

/** A status answer: the parcels codops read, and the ones it could not (a field over its limit…) or was not asking about, with why. */
export interface StatusAnswer {
  parcels: ParcelStatus[];
  /** Not synced (the order stays as it is), reported on the sync job: by order when the tracking number was one asked for. */
  skipped: { tracking_number?: string; reason: string }[];
}

/** The order statuses a courier status can move an order to. */
export const MAPPED_STATUSES = ['shipped', 'delivered', 'returned'] as const;
type MappedStatus = (typeof MAPPED_STATUSES)[number];
export type StatusMap = Record<string, MappedStatus>;

/**
 * A call that failed: `retryable` for a 5xx, a timeout, a connection failure or a 429 (the order
 * is left as it was and the call is tried again later), final for a 4xx or an answer that does not
 * fit the protocol. `reason` is shown to people (on the job, next to the order).
 */
export class CourierError extends Error {
  constructor(
    readonly reason: string,
    readonly retryable: boolean,
  ) {
    super(reason);
  }
}

export interface CourierAdapter {
  readonly name: 'manual' | 'http';
  /** A parcel under an idempotency key (push.ts parcelKey); the same key always answers the same parcel. Null: no courier to call. */
  createParcel(key: string, parcel: ParcelRequest): Promise<Parcel | null>;
  /** The parcels the courier knows among these tracking numbers (asked 100 at a time). */
  fetchStatuses(trackingNumbers: string[]): Promise<StatusAnswer>;
  /** Cancels a parcel before pickup. */
  cancelParcel(trackingNumber: string): Promise<void>;
  /** Our status for a courier status; null for one kept as an event only. */
  mapStatus(courierStatus: string): MappedStatus | null;
}

export const mapStatusWith =
  (statusMap: StatusMap) =>
  (courierStatus: string): MappedStatus | null =>
    Object.hasOwn(statusMap, courierStatus) ? statusMap[courierStatus] : null;

/** The `manual` adapter: nothing to call; tracking numbers come from the admin. */
export function manualCourier(statusMap: StatusMap = {}): CourierAdapter {
  return {
    name: 'manual',
    createParcel: async () => null,
    fetchStatuses: async () => ({ parcels: [], skipped: [] }),
    cancelParcel: async () => undefined,
    mapStatus: mapStatusWith(statusMap),
  };
}
