/**
 * `npm run servers:check`: starts every test server (primaries, then their replicas), does
 * one real round trip on each, stops them all, and prints one line per server:
 * `<name> ok <version> <seconds-to-start>` or `<name> FAIL <reason>`. Exit 0 only if all pass.
 */
import { ServerPool, SERVER_NAMES, type ServerName } from './registry.ts';
import type { TestServer } from './types.ts';
import {
  cassandraRoundTrip,
  ferretdbRoundTrip,
  kubeRoundTrip,
  mariadbRoundTrip,
  postgresRoundTrip,
  s3RoundTrip,
} from './round-trips.ts';

const pool = new ServerPool();

const checks: { readonly [K in ServerName]: () => Promise<TestServer> } = {
  postgres: async () => {
    const s = await pool.get('postgres');
    await postgresRoundTrip(s);
    return s;
  },
  'postgres-standby': async () => {
    const s = await pool.get('postgres-standby');
    await postgresRoundTrip(await pool.get('postgres'), s);
    return s;
  },
  mariadb: async () => {
    const s = await pool.get('mariadb');
    await mariadbRoundTrip(s);
    return s;
  },
  'mariadb-replica': async () => {
    const s = await pool.get('mariadb-replica');
    await mariadbRoundTrip(await pool.get('mariadb'), s);
    return s;
  },
  ferretdb: async () => {
    const s = await pool.get('ferretdb');
    await ferretdbRoundTrip(s);
    return s;
  },
  cassandra: async () => {
    const s = await pool.get('cassandra');
    await cassandraRoundTrip(s);
    return s;
  },
  s3: async () => {
    const s = await pool.get('s3');
    await s3RoundTrip(s);
    return s;
  },
  kube: async () => {
    const s = await pool.get('kube');
    await kubeRoundTrip(s);
    return s;
  },
};

const only = process.argv.slice(2);
let failed = 0;
for (const name of SERVER_NAMES) {
  if (only.length > 0 && !only.includes(name)) continue;
  try {
    const server = await checks[name]();
    console.log(`${name} ok ${server.version} ${server.startSeconds.toFixed(1)}`);
  } catch (err) {
    failed++;
    const message = err instanceof Error ? err.message : String(err);
    console.log(`${name} FAIL ${message.split('\n')[0] ?? ''}`);
    console.error(message);
  }
}
await pool.stopAll();
process.exit(failed === 0 ? 0 : 1);
