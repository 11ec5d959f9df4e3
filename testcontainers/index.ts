/**
 * Real servers for integration tests, without Docker. Each `startX()` starts a private
 * server (or returns the endpoint named by its `LIFEBOAT_TEST_*` variable); `useServer`
 * shares one per test run through the broker. See README.md.
 */
export type { TestServer, SharedServer } from './types.ts';
export { TestServerError } from './errors.ts';
export {
  startPostgres,
  POSTGRES_URL_ENV,
  type PostgresServer,
  type StartPostgresOptions,
} from './postgres.ts';
export {
  startPostgresStandby,
  POSTGRES_STANDBY_URL_ENV,
  type PostgresStandbyServer,
} from './postgres-standby.ts';
export { startMariadb, MARIADB_URL_ENV, type MariadbServer, type StartMariadbOptions } from './mariadb.ts';
export {
  startMariadbReplica,
  MARIADB_REPLICA_URL_ENV,
  type MariadbReplicaServer,
} from './mariadb-replica.ts';
export { startFerretdb, MONGODB_URL_ENV, type FerretdbServer } from './ferretdb.ts';
export { startCassandra, CASSANDRA_URL_ENV, type CassandraServer } from './cassandra.ts';
export { startS3, createS3Bucket, s3Client, S3_URL_ENV, type S3Server, type S3Endpoint } from './s3.ts';
export { startKube, KUBECONFIG_ENV, type KubeServer } from './kube.ts';
export { startNodeAgent, type NodeAgent } from './node-agent.ts';
export { startRedis, redisCli, REDIS_URL_ENV, type RedisServer, type StartRedisOptions } from './redis.ts';
export { ServerPool, SERVER_NAMES, type ServerName, type ServerTypes } from './registry.ts';
export { useServer } from './use-server.ts';
