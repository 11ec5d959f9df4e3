/** Kubernetes discovery: public surface. */
export { ANNOTATION, PART_OF_LABEL } from './annotations.ts';
export { parseImage, recogniseImage, type ImageMatch, type ImageRef } from './image.ts';
export { credentialSource, resolveCredentials, type CredentialSource } from './credentials.ts';
export { resolveEndpoints } from './endpoints.ts';
export {
  classifyWorkload,
  recogniseNamespace,
  recogniseWorkload,
  type NamespaceObjects,
  type RecognisedWorkload,
  type SkippedWorkload,
} from './recognise.ts';
export {
  assembleWorkload,
  groupApplications,
  toApplication,
  type DiscoveredApplication,
  type DiscoveredWorkload,
  type DiscoveryResult,
} from './assemble.ts';
export {
  createKubeClient,
  describeFailure,
  loadKubeConfig,
  KubeError,
  type KubeClient,
} from './kube-client.ts';
export { discover, type DiscoverOptions } from './discover.ts';
export { describeDiscovery, discoveryReport } from './report.ts';
