/**
 * A repository in an S3-compatible bucket. Small objects (chunks, manifests) go up in
 * one PutObject; streams go up as multipart uploads whose part size is chosen so any
 * object fits S3's 10,000-part limit, with bounded parts in flight. Object Lock
 * retention is set on PUT and extended with PutObjectRetention when a chunk is reused.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectRetentionCommand,
  S3Client,
  UploadPartCommand,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { releaseMemory } from './memory.ts';
import {
  NotFoundError,
  ObjectExistsError,
  ObjectLockedError,
  ShortObjectError,
  type LockMode,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
  type VersionedObject,
} from './object-store.ts';

export interface S3StoreOptions {
  readonly bucket: string;
  /** Key prefix inside the bucket, without leading or trailing slash. */
  readonly prefix?: string;
  readonly endpoint?: string;
  /** @default process.env.AWS_REGION ?? 'us-east-1' */
  readonly region?: string;
  /** Path-style addressing (MinIO and most self-hosted servers). @default false */
  readonly forcePathStyle?: boolean;
  /** Explicit credentials; otherwise the standard AWS chain (env, profile, IMDS…). */
  readonly credentials?: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
  };
  /** Parts uploaded at once per multipart upload. @default 4 */
  readonly partConcurrency?: number;
}

const MIN_PART = 8 * 1024 * 1024;
const MAX_PARTS = 10_000;

/**
 * Part size for the `n`-th part (0-based) of an upload of unknown length: 8 MiB for
 * the first 1,000 parts, doubling every 1,000 parts after, so 10,000 parts hold
 * more than S3's 5 TiB object limit while small objects use small parts.
 */
export function partSizeFor(index: number, knownSize?: number): number {
  if (knownSize !== undefined)
    return Math.max(MIN_PART, Math.ceil(knownSize / MAX_PARTS / 1048576) * 1048576);
  return Math.min(5 * 1024 ** 3, MIN_PART * 2 ** Math.floor(index / 1000));
}

function errorName(error: unknown): string {
  const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return e.name ?? e.Code ?? '';
}

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

function isMissing(error: unknown): boolean {
  const e = error as { $metadata?: { httpStatusCode?: number } };
  const name = errorName(error);
  // a missing bucket is a configuration error, not a missing object
  if (name === 'NoSuchBucket') return false;
  return ['NoSuchKey', 'NotFound'].includes(name) || e.$metadata?.httpStatusCode === 404;
}

export class S3Store implements ObjectStore {
  readonly location: string;
  readonly supportsLock = true;
  readonly client: S3Client;
  readonly bucket: string;
  readonly #prefix: string;
  readonly #partConcurrency: number;

  constructor(options: S3StoreOptions) {
    this.bucket = options.bucket;
    this.#prefix = options.prefix ? `${options.prefix.replace(/^\/+|\/+$/g, '')}/` : '';
    this.#partConcurrency = options.partConcurrency ?? 4;
    const config: S3ClientConfig = {
      region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
      forcePathStyle: options.forcePathStyle ?? false,
      // object-lock PUTs need an integrity checksum; the SDK's CRC32 default gives one
      requestChecksumCalculation: 'WHEN_SUPPORTED',
      maxAttempts: 4,
    };
    if (options.endpoint) config.endpoint = options.endpoint;
    if (options.credentials) config.credentials = { ...options.credentials };
    this.client = new S3Client(config);
    this.location = `s3://${options.bucket}/${this.#prefix}${options.endpoint ? ` at ${options.endpoint}` : ''}`;
  }

  #key(key: string): string {
    return this.#prefix + key;
  }

  async put(
    key: string,
    body: readonly Buffer[] | Readable | AsyncIterable<Buffer>,
    options: PutOptions = {},
  ): Promise<void> {
    const lock = options.retention
      ? { ObjectLockMode: options.retention.mode, ObjectLockRetainUntilDate: options.retention.until }
      : {};
    if (Array.isArray(body)) {
      const parts = body as Buffer[];
      // joined into one buffer (one copy, freed after the request): the SDK needs a body
      // it can send again when it retries
      const payload = parts.length === 1 && parts[0] ? parts[0] : Buffer.concat(parts);
      try {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: this.#key(key),
            Body: payload,
            ContentLength: payload.length,
            ...(options.ifNoneMatch ? { IfNoneMatch: '*' } : {}),
            ...lock,
          }),
        );
      } catch (error) {
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (options.ifNoneMatch && status === 412) throw new ObjectExistsError(key, { cause: error });
        throw error;
      } finally {
        // the joined copy is ours alone: free it now rather than at some later GC
        if (payload !== parts[0]) releaseMemory(payload);
      }
      return;
    }
    await this.#multipart(key, body as AsyncIterable<Buffer>, lock);
  }

  async #multipart(key: string, body: AsyncIterable<Buffer>, lock: object): Promise<void> {
    const created = await this.client.send(
      new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.#key(key), ...lock }),
    );
    const uploadId = created.UploadId;
    if (!uploadId) throw new Error('CreateMultipartUpload returned no upload id');
    const done: { PartNumber: number; ETag: string }[] = [];
    const inFlight = new Set<Promise<void>>();
    let failure: unknown;
    const upload = (partNumber: number, data: Buffer): Promise<void> => {
      const p = this.client
        .send(
          new UploadPartCommand({
            Bucket: this.bucket,
            Key: this.#key(key),
            UploadId: uploadId,
            PartNumber: partNumber,
            Body: data,
            ContentLength: data.length,
          }),
        )
        .then((r) => {
          done.push({ PartNumber: partNumber, ETag: r.ETag ?? '' });
        })
        .catch((error: unknown) => {
          failure ??= error;
        })
        .finally(() => {
          releaseMemory(data);
          inFlight.delete(p);
        });
      inFlight.add(p);
      return p;
    };
    try {
      let index = 0;
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      const flush = async (): Promise<void> => {
        // one copy into the part, for the same reason (a stream of the pieces could not be
        // replayed on a retry); freed once the part is uploaded
        const data = Buffer.concat(pending, pendingBytes);
        pending = [];
        pendingBytes = 0;
        index++;
        if (index > MAX_PARTS) throw new Error('object exceeds 10,000 parts');
        void upload(index, data);
        while (inFlight.size >= this.#partConcurrency) await Promise.race(inFlight);
        if (failure) throw asError(failure);
      };
      for await (const buf of body) {
        pending.push(buf);
        pendingBytes += buf.length;
        if (pendingBytes >= partSizeFor(index)) await flush();
      }
      if (pendingBytes > 0 || index === 0) await flush();
      await Promise.all(inFlight);
      if (failure) throw asError(failure);
      done.sort((a, b) => a.PartNumber - b.PartNumber);
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: this.#key(key),
          UploadId: uploadId,
          MultipartUpload: { Parts: done },
        }),
      );
    } catch (error) {
      await Promise.allSettled(inFlight);
      await this.client
        .send(
          new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.#key(key), UploadId: uploadId }),
        )
        .catch(() => undefined);
      throw error;
    }
  }

  async get(key: string): Promise<Buffer> {
    const stream = await this.getStream(key);
    const pieces: Buffer[] = [];
    for await (const piece of stream) pieces.push(piece as Buffer);
    return Buffer.concat(pieces);
  }

  async getIfChanged(key: string, version: string | undefined): Promise<VersionedObject | 'unchanged'> {
    let out;
    try {
      out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.#key(key),
          ...(version !== undefined && { IfNoneMatch: version }),
        }),
      );
    } catch (error) {
      if (isMissing(error)) throw new NotFoundError(key);
      if (version !== undefined && httpStatus(error) === 304) return 'unchanged';
      throw error;
    }
    const pieces: Buffer[] = [];
    for await (const piece of out.Body as Readable) pieces.push(piece as Buffer);
    // an ETag names these bytes (MD5, or unique per upload under SSE-KMS / multipart)
    return { body: Buffer.concat(pieces), version: out.ETag || undefined };
  }

  async getRange(key: string, offset: number, length: number): Promise<Buffer> {
    let body: Readable;
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.#key(key),
          Range: `bytes=${offset}-${offset + length - 1}`,
        }),
      );
      body = out.Body as Readable;
    } catch (error) {
      if (isMissing(error)) throw new NotFoundError(key);
      // a range past the end of the object
      if (errorName(error) === 'InvalidRange') throw new ShortObjectError(key, offset, length, 0);
      throw error;
    }
    const out = Buffer.allocUnsafeSlow(length);
    let got = 0;
    for await (const piece of body) {
      const bytes = piece as Buffer;
      if (got + bytes.length > length) throw new Error(`object ${key}: range read returned too many bytes`);
      bytes.copy(out, got);
      got += bytes.length;
    }
    if (got !== length) throw new ShortObjectError(key, offset, length, got);
    return out;
  }

  async getStream(key: string): Promise<Readable> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.#key(key) }));
      return out.Body as Readable;
    } catch (error) {
      if (isMissing(error)) throw new NotFoundError(key);
      throw error;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.#key(key) }));
      return {
        key,
        size: out.ContentLength ?? 0,
        ...(out.ObjectLockRetainUntilDate ? { retainUntil: out.ObjectLockRetainUntilDate } : {}),
      };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    let token: string | undefined;
    do {
      const out = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: this.#key(prefix),
          ContinuationToken: token,
        }),
      );
      for (const item of out.Contents ?? []) {
        if (item.Key) yield { key: item.Key.slice(this.#prefix.length), size: item.Size ?? 0 };
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  }

  /**
   * Deletes every version of the key (and delete markers): on a versioned bucket a
   * plain DELETE only hides the data behind a marker, which is not a delete.
   */
  async delete(key: string): Promise<void> {
    const full = this.#key(key);
    const versions: string[] = [];
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    do {
      const out = await this.client.send(
        new ListObjectVersionsCommand({
          Bucket: this.bucket,
          Prefix: full,
          KeyMarker: keyMarker,
          VersionIdMarker: versionMarker,
        }),
      );
      for (const v of [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])]) {
        if (v.Key === full && v.VersionId) versions.push(v.VersionId);
      }
      keyMarker = out.IsTruncated ? out.NextKeyMarker : undefined;
      versionMarker = out.IsTruncated ? out.NextVersionIdMarker : undefined;
    } while (keyMarker);
    if (versions.length === 0) versions.push('');
    for (const versionId of versions) {
      try {
        await this.client.send(
          new DeleteObjectCommand({
            Bucket: this.bucket,
            Key: full,
            ...(versionId ? { VersionId: versionId } : {}),
          }),
        );
      } catch (error) {
        if (isMissing(error)) continue;
        if (isLockRefusal(error)) {
          throw new ObjectLockedError(key, { cause: error });
        }
        throw error;
      }
    }
  }

  /** Abort multipart uploads under the prefix that were started before `before`. */
  async sweep(before: Date): Promise<number> {
    let removed = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      const out = await this.client.send(
        new ListMultipartUploadsCommand({
          Bucket: this.bucket,
          Prefix: this.#prefix,
          KeyMarker: keyMarker,
          UploadIdMarker: uploadIdMarker,
        }),
      );
      for (const upload of out.Uploads ?? []) {
        if (
          upload.Key &&
          upload.UploadId &&
          upload.Initiated &&
          upload.Initiated.getTime() < before.getTime()
        ) {
          await this.client.send(
            new AbortMultipartUploadCommand({
              Bucket: this.bucket,
              Key: upload.Key,
              UploadId: upload.UploadId,
            }),
          );
          removed++;
        }
      }
      keyMarker = out.IsTruncated ? out.NextKeyMarker : undefined;
      uploadIdMarker = out.IsTruncated ? out.NextUploadIdMarker : undefined;
    } while (keyMarker);
    return removed;
  }

  async syncNames(_keys: Iterable<string>): Promise<void> {
    // nothing to do: a PUT (or a completed multipart upload) is durable when it returns
  }

  async extendRetention(key: string, mode: LockMode, until: Date): Promise<void> {
    const info = await this.head(key);
    if (!info) throw new NotFoundError(key);
    if (info.retainUntil && info.retainUntil.getTime() >= until.getTime()) return;
    await this.client.send(
      new PutObjectRetentionCommand({
        Bucket: this.bucket,
        Key: this.#key(key),
        Retention: { Mode: mode, RetainUntilDate: until },
      }),
    );
  }
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** Servers word it differently: AWS says AccessDenied, MinIO InvalidRequest "Object is WORM protected". */
function isLockRefusal(error: unknown): boolean {
  const e = error as { message?: string; $metadata?: { httpStatusCode?: number } };
  return (
    errorName(error) === 'AccessDenied' ||
    e.$metadata?.httpStatusCode === 403 ||
    /WORM|retention|object lock|legal hold/i.test(e.message ?? '')
  );
}
