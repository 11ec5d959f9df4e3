import { describe, expect, it } from 'vitest';
import { CLASSPATH_ENV, NODETOOL_ENV, nodetoolTarget } from '../../../adapters/cassandra/nodetool.ts';
import {
  SNAPSHOT_CATALOG_FORMAT,
  snapshotCatalog,
  sstableArtifact,
} from '../../../adapters/cassandra/snapshot-artifacts.ts';
import { parseSnapshotToken } from '../../../adapters/cassandra/snapshot.ts';
import { cassandraAdapter } from '../../../adapters/cassandra/index.ts';
import { postgresAdapter } from '../../../adapters/postgres/index.ts';
import type { Workload } from '../../../engine/model/index.ts';
import { chooseStrategy, STRATEGY_ANNOTATION } from '../../../engine/planner/index.ts';

const workload = (url: string, annotations: Record<string, string> = {}): Workload => ({
  name: 'events',
  engine: 'cassandra',
  primary: { host: 'node-1', port: 9042, role: 'primary', url },
  replicas: [],
  databases: [],
  credentials: {},
  annotations,
  pvcs: [],
  source: 'url',
});

describe('nodetoolTarget', () => {
  it('takes the JMX port from the URL, else the annotation, else 7199', () => {
    expect(nodetoolTarget(workload('cassandra://node-1:9042/?dc=dc1&jmx=7299'), {}).jmxPort).toBe(7299);
    expect(
      nodetoolTarget(workload('cassandra://node-1:9042/', { 'lifeboat.dev/cassandra-jmx-port': '7300' }), {}),
    ).toMatchObject({ host: 'node-1', jmxPort: 7300 });
    expect(nodetoolTarget(workload('cassandra://node-1:9042/'), {}).jmxPort).toBe(7199);
    expect(() => nodetoolTarget(workload('cassandra://node-1:9042/?jmx=x'), {})).toThrow(
      'JMX port "x" is not a port number',
    );
  });

  it('runs LIFEBOAT_NODETOOL, else NodeTool from the jars with the JDK 17 flags, else nodetool', () => {
    const w = workload('cassandra://node-1:9042/');
    expect(nodetoolTarget(w, { [NODETOOL_ENV]: '/opt/cassandra/bin/nodetool' }).argv).toEqual([
      '/opt/cassandra/bin/nodetool',
    ]);
    const java = nodetoolTarget(w, { [CLASSPATH_ENV]: '/opt/cassandra/lib/*' }).argv;
    expect(java[0]).toBe('java');
    expect(java).toContain('--add-exports');
    expect(java.slice(-3)).toEqual(['-cp', '/opt/cassandra/lib/*', 'org.apache.cassandra.tools.NodeTool']);
    expect(nodetoolTarget(w, {}).argv).toEqual(['nodetool']);
  });
});

describe('snapshot captures', () => {
  it('are told apart from logical ones by the catalog format', () => {
    expect(snapshotCatalog(JSON.stringify({ format: SNAPSHOT_CATALOG_FORMAT, keyspaces: [] }))).toBeDefined();
    expect(
      snapshotCatalog(JSON.stringify({ format: 'lifeboat-cassandra/1', keyspaces: [] })),
    ).toBeUndefined();
  });

  it('name SSTable artifacts safely', () => {
    expect(sstableArtifact('Shop', 'my table', 'nb-1-big-Data.db')).toBe(
      'sstables/Shop/my%20table/nb-1-big-Data.db',
    );
  });

  it('accept only snapshot handles cassandra.pinSnapshot made', () => {
    const token = JSON.stringify({ tag: 'lifeboat-x', keyspaces: ['ks'], node: 'n', takenAt: 't' });
    expect(parseSnapshotToken(token, 'events').keyspaces).toEqual(['ks']);
    expect(() => parseSnapshotToken('0/1A2B-3', 'events')).toThrow('not taken by cassandra.pinSnapshot');
  });
});

describe('the planner and the snapshot strategy', () => {
  const w = workload('cassandra://node-1:9042/');
  it('offers it for Cassandra when requested or annotated, never by default', () => {
    const capabilities = cassandraAdapter.capabilities;
    expect(chooseStrategy({ workload: w, capabilities, requested: 'snapshot' }).strategy).toBe('snapshot');
    const annotated = { ...w, annotations: { [STRATEGY_ANNOTATION]: 'snapshot' } };
    expect(chooseStrategy({ workload: annotated, capabilities }).decision).toMatchObject({
      source: 'annotation',
    });
    expect(chooseStrategy({ workload: w, capabilities }).strategy).toBe('logical');
  });

  it('refuses it for an adapter without it', () => {
    expect(() =>
      chooseStrategy({ workload: w, capabilities: postgresAdapter.capabilities, requested: 'snapshot' }),
    ).toThrow('strategy snapshot (requested) is not supported');
  });
});
