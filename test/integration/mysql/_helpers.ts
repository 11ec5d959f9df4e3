/**
 * Shared pieces of the MariaDB adapter tests: workloads pointing at test servers, a real
 * local repository as the artifact sink/source, and a silent progress sink.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createConnection, type Connection } from 'mysql2/promise';
import type { ArtifactSink, ArtifactSource, ProgressSink } from '../../../adapters/types.ts';
import type { Workload } from '../../../engine/model/index.ts';
import { LocalStore, Repository } from '../../../engine/repository/index.ts';

export interface ServerAddress {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

export const quietProgress: ProgressSink = {
  bytes: () => undefined,
  rows: () => undefined,
  estimate: () => undefined,
};

/** A unique database name for one test (the shared server outlives the test file). */
export function uniqueDb(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

/** A workload whose primary is `primary`; `replica` (optional) is listed as its replica. */
export function workloadFor(
  primary: ServerAddress,
  databases: readonly string[] = [],
  replica?: { host: string; port: number },
): Workload {
  return {
    name: 'shop-db',
    engine: 'mysql',
    primary: {
      host: primary.host,
      port: primary.port,
      role: 'primary',
      url: `mysql://${primary.user}@${primary.host}:${primary.port}/`,
    },
    replicas: replica
      ? [
          {
            host: replica.host,
            port: replica.port,
            role: 'replica',
            url: `mysql://${primary.user}@${replica.host}:${replica.port}/`,
          },
        ]
      : [],
    databases,
    credentials: { username: primary.user, password: primary.password },
    annotations: {},
    pvcs: [],
    source: 'url',
  };
}

export function connectTo(server: ServerAddress): Promise<Connection> {
  return createConnection({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    charset: 'UTF8MB4_GENERAL_CI',
  });
}

/** A fresh local repository: one backup's sink, then the same backup as a source. */
export interface TestRepository {
  readonly dir: string;
  capture<T>(
    member: string,
    fn: (sink: ArtifactSink) => Promise<T>,
  ): Promise<{ result: T; source: ArtifactSource }>;
  remove(): Promise<void>;
}

export async function testRepository(): Promise<TestRepository> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-mysql-repo-'));
  const store = new LocalStore(dir);
  await Repository.init(store);
  const repo = await Repository.open(store);
  return {
    dir,
    async capture(member, fn) {
      const writer = await repo.startBackup({ app: 'test', member });
      try {
        const result = await fn(writer.member(member));
        await writer.commit();
        return { result, source: await repo.source(writer.backupId, member) };
      } catch (error) {
        await writer.abort();
        throw error;
      }
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Rename the database part of fingerprint keys (`db.table`). */
export function renameKeys<T>(fp: Readonly<Record<string, T>>, from: string, to: string): Record<string, T> {
  return Object.fromEntries(
    Object.entries(fp).map(([k, v]) => [
      k.startsWith(`${from}.`) ? `${to}.${k.slice(from.length + 1)}` : k,
      v,
    ]),
  );
}
