import type { FileStore } from './store.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Where every file codops keeps lives (src/files/open.ts). */
    files: FileStore;
  }
}
