/**
 * Opens the repository a Repository CR describes, with the Secrets of the CR's own
 * namespace only (S3 credentials, encryption key): a namespace can never use another
 * namespace's credentials through Lifeboat. An uninitialised repository is initialised
 * with the key (and Object Lock) the CR names, so `kubectl apply` of a Repository is all
 * it takes. Secret values go to the store and the key derivation only; every message
 * names Secrets and keys, never their content.
 */
import type { KubeClient } from '../kube/index.ts';
import type { RepositoryObject } from '../kube/api/v1alpha1/index.ts';
import { openStore, Repository, type S3StoreOptions } from '../repository/index.ts';
import { RepositoryError } from '../errors.ts';
import { ActionFailure } from './action-failure.ts';

const DEFAULT_KEY_ENTRY = 'key';

async function secretOf(
  kube: KubeClient,
  namespace: string,
  name: string,
  what: string,
): Promise<Record<string, string>> {
  let data: Record<string, string> | undefined;
  try {
    data = await kube.readSecret(namespace, name);
  } catch (error) {
    throw new ActionFailure('SecretUnreadable', `${what}: ${(error as Error).message}`, { cause: error });
  }
  if (!data) throw new ActionFailure('SecretNotFound', `${what}: Secret ${namespace}/${name} does not exist`);
  return data;
}

/** The repository key from `spec.encryptionKeySecret`, or undefined when none is named. */
async function keyOf(
  kube: KubeClient,
  repo: RepositoryObject,
  namespace: string,
): Promise<Buffer | undefined> {
  const ref = repo.spec.encryptionKeySecret;
  if (!ref) return undefined;
  const entry = ref.key ?? DEFAULT_KEY_ENTRY;
  const what = `Repository ${repo.metadata.name}: encryption key`;
  const data = await secretOf(kube, namespace, ref.name, what);
  const value = data[entry]?.trim();
  if (!value)
    throw new ActionFailure(
      'RepositoryKeyMissing',
      `${what}: Secret ${ref.name} has no (non-empty) key "${entry}"`,
    );
  return Buffer.from(value, 'utf8');
}

async function s3Options(
  kube: KubeClient,
  repo: RepositoryObject,
  namespace: string,
): Promise<Partial<S3StoreOptions>> {
  const spec = repo.spec;
  const options: { -readonly [K in keyof S3StoreOptions]?: S3StoreOptions[K] } = {};
  if (spec.endpoint) options.endpoint = spec.endpoint;
  if (spec.region) options.region = spec.region;
  if (spec.forcePathStyle !== undefined) options.forcePathStyle = spec.forcePathStyle;
  if (spec.credentialsSecret) {
    const what = `Repository ${repo.metadata.name}: credentials`;
    const data = await secretOf(kube, namespace, spec.credentialsSecret.name, what);
    const accessKeyId = data.AWS_ACCESS_KEY_ID;
    const secretAccessKey = data.AWS_SECRET_ACCESS_KEY;
    if (!accessKeyId || !secretAccessKey)
      throw new ActionFailure(
        'RepositoryCredentialsMissing',
        `${what}: Secret ${spec.credentialsSecret.name} needs keys AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`,
      );
    options.credentials = {
      accessKeyId,
      secretAccessKey,
      ...(data.AWS_SESSION_TOKEN ? { sessionToken: data.AWS_SESSION_TOKEN } : {}),
    };
  }
  return options;
}

/**
 * Open (initialising if needed) the repository of `repo`, a Repository CR of `namespace`.
 * @throws ActionFailure with a reason (`SecretNotFound`, `RepositoryKeyMissing`,
 *   `RepositoryUnavailable`, …) and a message free of secrets.
 */
export async function openRepositoryOf(
  kube: KubeClient,
  repo: RepositoryObject,
  namespace: string,
): Promise<Repository> {
  const key = await keyOf(kube, repo, namespace);
  const url = repo.spec.url;
  const fail = (error: unknown): never => {
    const message = error instanceof Error ? error.message : String(error);
    throw new ActionFailure('RepositoryUnavailable', `Repository ${repo.metadata.name}: ${message}`, {
      cause: error,
    });
  };
  let store;
  try {
    store = await openStore(url, url.startsWith('s3://') ? await s3Options(kube, repo, namespace) : {});
  } catch (error) {
    if (error instanceof ActionFailure) throw error;
    return fail(error);
  }
  const options = key ? { key } : {};
  try {
    return await Repository.open(store, options);
  } catch (error) {
    const uninitialised = error instanceof RepositoryError && /is not initialised/.test(error.message);
    if (!uninitialised) return fail(error);
  }
  let initFailure: unknown;
  try {
    const lock = repo.spec.objectLock;
    await Repository.init(store, {
      ...options,
      ...(lock && {
        lock: { mode: lock.mode === 'compliance' ? 'COMPLIANCE' : 'GOVERNANCE', days: lock.retainDays },
      }),
    });
  } catch (error) {
    // Another action may have initialised it meanwhile: opening decides.
    initFailure = error;
  }
  try {
    return await Repository.open(store, options);
  } catch (error) {
    return fail(initFailure ?? error);
  }
}
