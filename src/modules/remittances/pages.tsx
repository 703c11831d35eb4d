import type { FastifyInstance } from 'fastify';

/** Courier cash (finance.md): see remittances/service.ts. */
export async function remittancesPages(_web: FastifyInstance) {}
