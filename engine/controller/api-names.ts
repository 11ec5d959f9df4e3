/**
 * Group and version of the Lifeboat kinds. Kept as plain constants so the framework does
 * not depend on the schema module; they must equal `GROUP`/`VERSION` of
 * `engine/kube/api/v1alpha1` (a unit test checks it).
 */
export const API_GROUP = 'lifeboat.dev';
export const API_VERSION_NAME = 'v1alpha1';
