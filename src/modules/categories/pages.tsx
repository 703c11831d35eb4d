import type { FastifyInstance } from 'fastify';
import { nameOnlyPages } from '../catalog/name-only-pages.js';
import { inUseMessage } from '../catalog/named-records.js';
import { categoryPolicy } from './policy.js';
import { CATEGORY_SORTS, categoriesInUse, categoryNameTaken, findCategory, listCategories } from './queries.js';
import { categoryBody } from './schemas.js';
import { createCategory, deleteCategories, renameCategory } from './service.js';
import { CategoriesList, CategoryPage } from './views.js';

export async function categoriesPages(web: FastifyInstance) {
  nameOnlyPages(web, {
    base: '/categories',
    noun: ['category', 'categories'],
    title: 'Categories',
    icon: 'tag',
    afterCreate: 'list',
    policy: categoryPolicy,
    sorts: CATEGORY_SORTS,
    body: categoryBody,
    list: listCategories,
    find: findCategory,
    nameTaken: categoryNameTaken,
    extra: async () => ({}),
    create: createCategory,
    rename: renameCategory,
    remove: deleteCategories,
    refusal: async (ids, refused) => {
      const used = (await categoriesInUse(web.db, ids)).map((u) => ({ name: u.name, uses: [u.products] }));
      return used.length > 0 || refused ? inUseMessage('category', ids.length, used, [['product']]) : undefined;
    },
    ListView: CategoriesList,
    ShowView: ({ row }) => <CategoryPage category={row} />,
  });
}
