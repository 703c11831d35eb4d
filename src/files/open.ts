import { join } from 'node:path';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { databaseFileStore } from './database.js';
import { localFileStore } from './local.js';
import { s3FileStore } from './s3.js';
import type { FileStore } from './store.js';

/** The store the environment names: S3_URL, else FILES=database, else DATA_DIR/uploads. */
export function openFileStore(config: Pick<Config, 'files' | 's3Url' | 'dataDir'>, db: Database): FileStore {
  if (config.s3Url) return s3FileStore(config.s3Url);
  if (config.files === 'database') return databaseFileStore(db);
  return localFileStore(join(config.dataDir, 'uploads'));
}
