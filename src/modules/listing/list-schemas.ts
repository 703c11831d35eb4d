import { Type, type TSchema } from '@sinclair/typebox';
import { STATUS_LIST_MAX } from '../../http/status-list.js';

const str = (max = 100) => Type.String({ minLength: 1, maxLength: max });
const date = Type.String({ format: 'laravel-date' });

/** Query of GET /leads and GET /orders. `status` is a comma list checked by the module. */
export const ListQuery = Type.Object({
  page: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
  per_page: Type.Integer({ minimum: 1, maximum: 1000 }),
  status: Type.String({ maxLength: STATUS_LIST_MAX }),
  reference: str(),
  phone: str(),
  sku: str(),
  tracking_number: str(200),
  created_from: date,
  created_to: date,
});
export const ListQueryOptional = Type.Partial(ListQuery);
/** GET /leads: the same filters but `tracking_number`, which is an order's (api-v1.md). */
export const LeadListQueryOptional = Type.Omit(ListQueryOptional, ['tracking_number']);

export const HistoryQuery = Type.Partial(
  Type.Object({
    page: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    per_page: Type.Integer({ minimum: 1, maximum: 1000 }),
    reference: str(),
    from: date,
    to: date,
  }),
);

const Meta = Type.Object({
  current_page: Type.Integer(),
  per_page: Type.Integer(),
  total: Type.Integer(),
  last_page: Type.Integer(),
});

export const Page = (item: TSchema) => Type.Object({ data: Type.Array(item), meta: Meta });
export const Message = Type.Object({ message: Type.String() });
export const BulkDeleteBody = Type.Object({
  references: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 1, maxItems: 1000 }),
});

export const History = (refKey: 'lead_reference' | 'order_reference') =>
  Type.Object({
    [refKey]: Type.String(),
    old_status: Type.Union([Type.String(), Type.Null()]),
    new_status: Type.String(),
    changed_by: Type.String(),
    changed_at: Type.String(),
    comment: Type.Union([Type.String(), Type.Null()]),
  });
