/** The dashboard: public surface (server, the two data sources, the API's JSON shapes). */
export {
  createDashboardServer,
  NO_NAMESPACE,
  type DashboardServer,
  type DashboardServerOptions,
} from './server.ts';
export type { ActionSink, Caller, DashboardSource, Scope } from './source.ts';
export { RepositorySource, type RepositorySourceOptions } from './repository-source.ts';
export { ClusterSource, type ClusterSourceOptions } from './cluster-source.ts';
export { DashboardHttpError } from './http-error.ts';
export type * from './api-types.ts';
