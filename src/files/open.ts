import { join } from 'node:path';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { databaseFileStore } from './database.js';
import { localFileStore } from './local.js';
import type { FileStore } from './store.js';

/** The store the environment names: S3_URL, else FILES=database, else DATA_DIR/uploads. */
export async function openFileStore(config: Pick<Config, 'files' | 's3Url' | 'dataDir'>, db: Database): Promise<FileStore> {
  // The AWS SDK (about 3 MB of heap) is imported only by servers that use S3.
  if (config.s3Url) {
    const s3 = await import('./s3.js');
    await s3.checkBucket(config.s3Url);
    return s3.s3FileStore(config.s3Url);
  }
  if (config.files === 'database') return databaseFileStore(db);
  return localFileStore(join(config.dataDir, 'uploads'));
}
