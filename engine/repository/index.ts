/** The backup repository: public surface. */
export * from './repository.ts';
export { BackupWriter, type BackupMeta, type BackupStats, type CommitDetails } from './backup-writer.ts';
export { Chunker, chunkBuffer, DEFAULT_CHUNKER_PARAMS, type ChunkerParams } from './chunker.ts';
export { KEY_ENV, loadKeySecret, type KeySourceOptions } from './keys.ts';
export {
  MANIFEST_VERSION,
  type KubernetesRecord,
  type Manifest,
  type ManifestArtifact,
  type ManifestMember,
} from './manifest.ts';
export {
  NotFoundError,
  ObjectExistsError,
  ObjectLockedError,
  type LockMode,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
} from './object-store.ts';
export { LocalStore } from './local-store.ts';
// S3Store is not re-exported: importing it loads the AWS SDK (use openStore or ./s3-store.ts)
export type { S3StoreOptions } from './s3-store.ts';
export { openStore, parseRepositoryUrl } from './store-url.ts';
export {
  selectRetention,
  isEmptyPolicy,
  type RetentionPolicy,
  type RetentionCandidate,
  type RetentionDecision,
} from './retention.ts';
export type { PruneOptions, PruneReport } from './prune.ts';
export type { RepairReport } from './repair-index.ts';
