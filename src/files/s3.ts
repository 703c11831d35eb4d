import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { ConfigError } from '../config.js';
import { checkKey, typeOfKey, type FileStore } from './store.js';

export interface S3Location {
  client: S3Client;
  bucket: string;
  /** Key prefix inside the bucket (the URL's path after the bucket), '' or ending with '/'. */
  prefix: string;
}

/**
 * `S3_URL`: `https://ACCESS_KEY:SECRET@host[:port]/bucket[/prefix]?region=…` — any S3-compatible
 * server (AWS, MinIO, R2, Garage…), addressed path-style. Without credentials in the URL the SDK's
 * usual sources (AWS_ACCESS_KEY_ID, instance roles) apply.
 */
export function parseS3Url(raw: string): S3Location {
  const url = new URL(raw);
  const [bucket, ...rest] = url.pathname.replace(/^\/+/, '').split('/');
  if (!bucket) throw new ConfigError('Invalid S3_URL: it names no bucket (https://KEY:SECRET@host/bucket).');
  const prefix = rest.filter(Boolean).join('/');
  const credentials =
    url.username !== '' ? { accessKeyId: decodeURIComponent(url.username), secretAccessKey: decodeURIComponent(url.password) } : undefined;
  // The SDK warns on every start that its releases after January 2027 need Node 22: codops pins its
  // version and runs on Node 20, and nine lines of that warning came before codops's own messages.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const client = new S3Client({
    endpoint: `${url.protocol}//${url.host}`,
    region: url.searchParams.get('region') ?? 'us-east-1',
    forcePathStyle: true,
    ...(credentials ? { credentials } : {}),
  });
  return { client, bucket, prefix: prefix ? `${prefix}/` : '' };
}

/** Files in an S3-compatible bucket; uploads go in parts of 5 MiB (the least S3 allows), so memory stays bounded. */
export function s3FileStore(raw: string): FileStore {
  const { client, bucket, prefix } = parseS3Url(raw);
  const Key = (key: string) => prefix + checkKey(key);
  return {
    kind: 's3',
    async put(key, data) {
      let size = 0;
      let failed: unknown;
      data.on('data', (c: Buffer) => (size += c.length));
      data.on('error', (err) => (failed = err));
      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key: Key(key), Body: data, ContentType: typeOfKey(key) },
        partSize: 5 * 1024 * 1024,
        queueSize: 1,
      });
      try {
        await upload.done();
      } catch (err) {
        throw failed ?? err; // the upload's failure to abort its parts is not the news
      }
      return size;
    },
    async get(key) {
      try {
        const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: Key(key) }));
        return { stream: r.Body as Readable, size: Number(r.ContentLength ?? 0), type: typeOfKey(key) };
      } catch (err) {
        const name = (err as { name?: string }).name;
        if (name === 'NoSuchKey' || name === 'NotFound') return undefined;
        throw err;
      }
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: Key(key) }));
    },
    // An object appears only when its upload completes: a crash leaves unseen parts, which the
    // bucket's lifecycle rule (AbortIncompleteMultipartUpload) removes, not codops.
    async sweep() {
      return 0;
    },
    async close() {
      client.destroy();
    },
  };
}

/**
 * At boot: the bucket answers with the credentials given (the URL's, else the SDK's usual sources),
 * or the process stops naming S3_URL; without it every upload was a 500 (ops audit).
 */
export async function checkBucket(raw: string) {
  const { client, bucket } = parseS3Url(raw);
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: AbortSignal.timeout(10_000) });
  } catch (err) {
    const e = err as Error & { $metadata?: { httpStatusCode?: number } };
    const why = e.message || e.name || `HTTP ${e.$metadata?.httpStatusCode ?? '?'}`;
    throw new ConfigError(`cannot reach the bucket in S3_URL (${why}).`);
  } finally {
    client.destroy();
  }
}

/** Creates the bucket when it does not exist (tests, a fresh MinIO); production buckets are made by their owner. */
export async function ensureBucket(raw: string) {
  const { client, bucket } = parseS3Url(raw);
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
}
