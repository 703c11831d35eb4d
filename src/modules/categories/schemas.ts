import { Type } from '@sinclair/typebox';
import { compile } from '../../http/validation.js';

const CategoryBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) });
export const categoryBody = compile(CategoryBody);
