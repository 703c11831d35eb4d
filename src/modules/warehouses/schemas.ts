import { Type } from '@sinclair/typebox';
import { compile } from '../../http/validation.js';

export const WAREHOUSE_STATUSES = ['active', 'inactive'] as const;
export type WarehouseStatus = (typeof WAREHOUSE_STATUSES)[number];

const optionalText = (max: number) => Type.Optional(Type.String({ minLength: 1, maxLength: max, nullable: true }));

const WarehouseBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  city_id: Type.Optional(Type.String({ maxLength: 100, nullable: true })),
  address: optionalText(255),
  phone: optionalText(100),
  status: Type.Optional(Type.String({ enum: [...WAREHOUSE_STATUSES] })),
});
export const warehouseCreate = compile(WarehouseBody);
/** An update may send any field; an emptied name is refused, emptied optional fields clear. */
export const warehouseUpdate = compile(Type.Partial(WarehouseBody));

export { NAME_TAKEN } from '../catalog/named-records.js';
