import type { FastifyInstance } from 'fastify';
import { nameOnlyPages } from '../catalog/name-only-pages.js';
import { inUseMessage } from '../catalog/named-records.js';
import { areaPages } from './areas-pages.js';
import { cityPolicy } from './policy.js';
import { areasOfCity, CITY_SORTS, citiesInUse, cityNameTaken, findCity, listCities } from './queries.js';
import { cityBody } from './schemas.js';
import { createCity, deleteCities, renameCity } from './service.js';
import { CitiesList, CityPage } from './views.js';

export async function citiesPages(web: FastifyInstance) {
  nameOnlyPages(web, {
    base: '/cities',
    noun: ['city', 'cities'],
    title: 'Cities',
    icon: 'map-pin',
    createSubtitle: 'Add its areas once it exists.',
    afterCreate: 'show',
    policy: cityPolicy,
    sorts: CITY_SORTS,
    body: cityBody,
    list: listCities,
    find: findCity,
    nameTaken: cityNameTaken,
    extra: async (q, row) => ({ areas: await areasOfCity(q, row.data.id) }),
    create: createCity,
    rename: renameCity,
    remove: deleteCities,
    refusal: async (ids, refused) => {
      // A city a company lists stays: without it, a company listing no other city would take every city's orders.
      const used = (await citiesInUse(web.db, ids)).map((u) => ({ name: u.name, uses: [u.warehouses, u.companies] }));
      return used.length > 0 || refused
        ? inUseMessage('city', ids.length, used, [['warehouse'], ['shipping company', 'shipping companies']])
        : undefined;
    },
    ListView: CitiesList,
    ShowView: ({ row, extra }) => <CityPage city={row} areas={extra.areas} />,
  });

  await web.register(areaPages);
}
