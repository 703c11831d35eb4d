import { Type } from '@sinclair/typebox';
import { compile } from '../../http/validation.js';

const CityBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) });
export const cityBody = compile(CityBody);

/** An area's city is chosen when it is created; an edit may move it to another city. */
const AreaBody = Type.Object({
  city_id: Type.String({ minLength: 1, maxLength: 100 }),
  name: Type.String({ minLength: 1, maxLength: 100 }),
});
export const areaBody = compile(AreaBody);

export { NAME_TAKEN } from '../catalog/named-records.js';
