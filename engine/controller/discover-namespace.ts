import { discover, type DiscoveryResult, type KubeClient } from '../kube/index.ts';
import { ActionFailure } from './action-failure.ts';

/** Discovery of the action's namespace; a failure becomes the action's `DiscoveryFailed`. */
export async function discoverNamespace(kube: KubeClient, namespace: string): Promise<DiscoveryResult> {
  try {
    return await discover(kube, { namespace });
  } catch (error) {
    throw new ActionFailure(
      'DiscoveryFailed',
      `discovery in namespace ${namespace}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}
