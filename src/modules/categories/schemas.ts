import { Type } from '@sinclair/typebox';
import { compile } from '../../http/validation.js';

export const CategoryBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) });
export const categoryBody = compile(CategoryBody);

export const NAME_TAKEN = 'The name has already been taken.';
