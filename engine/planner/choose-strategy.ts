import {
  STRATEGIES,
  type AdapterCapabilities,
  type ProbeResult,
  type Strategy,
} from '../../adapters/types.ts';
import { UsageError } from '../errors.ts';
import type { Workload } from '../model/index.ts';
import type { StrategyDecision } from './types.ts';

export const STRATEGY_ANNOTATION = 'lifeboat.dev/strategy';

const NEEDS_REPLICA: readonly Strategy[] = ['replica', 'replica-snapshot'];

function isStrategy(value: string): value is Strategy {
  return (STRATEGIES as readonly string[]).includes(value);
}

/** Why a replica strategy cannot run on this workload now, or undefined when it can. */
function replicaProblem(workload: Workload, probe: ProbeResult | undefined): string | undefined {
  if (workload.replicas.length === 0) return 'it has no replica (pass --replica URL or declare one)';
  if (probe && probe.role === 'primary' && probe.replicas.length === 0) {
    return 'the probe of its primary reports no standby attached';
  }
  return undefined;
}

/**
 * Pick the capture strategy of one workload, pure. Order: the caller's request, then the
 * workload's annotation, then the default (`replica` when a replica is declared and the
 * adapter supports it: it spares the primary; else `logical`). An impossible request or
 * annotation is a UsageError naming the workload; a default that the probe rules out falls
 * back to `logical`, and an annotation asking for a replica strategy whose standby the probe
 * does not see falls back too, saying why.
 */
export function chooseStrategy(input: {
  readonly workload: Workload;
  readonly capabilities: AdapterCapabilities;
  readonly requested?: Strategy;
  readonly probe?: ProbeResult;
}): { strategy: Strategy; decision: StrategyDecision } {
  const { workload, capabilities, requested, probe } = input;
  const who = `workload "${workload.name}" (${workload.engine})`;
  const supported = capabilities.strategies;
  const unsupported = (strategy: Strategy, from: string) =>
    new UsageError(
      `${who}: strategy ${strategy} (${from}) is not supported by the ${workload.engine} adapter; supported: ${supported.join(', ')}`,
      { workload: workload.name },
    );
  const needsFence = (strategy: Strategy) => strategy === 'freeze-snapshot' && !capabilities.fence;
  // freeze-snapshot snapshots the workload's volumes: only a workload with PVCs has any.
  const volumeProblem = (strategy: Strategy) =>
    strategy === 'freeze-snapshot' && workload.pvcs.length === 0
      ? 'it has no PersistentVolumeClaims to snapshot (freeze-snapshot needs a Kubernetes workload with PVCs on a CSI driver)'
      : undefined;

  if (requested) {
    if (!supported.includes(requested) || needsFence(requested)) throw unsupported(requested, 'requested');
    const problem = NEEDS_REPLICA.includes(requested)
      ? replicaProblem(workload, probe)
      : volumeProblem(requested);
    if (problem) {
      throw new UsageError(`${who}: strategy ${requested} was requested but ${problem}`, {
        workload: workload.name,
      });
    }
    return { strategy: requested, decision: { source: 'requested', reason: `${requested} was requested` } };
  }

  const annotation = workload.annotations[STRATEGY_ANNOTATION];
  if (annotation !== undefined) {
    const value = annotation.trim();
    if (!isStrategy(value)) {
      throw new UsageError(
        `${who}: annotation ${STRATEGY_ANNOTATION}="${annotation}" is not a strategy; use one of ${STRATEGIES.join(', ')}`,
        { workload: workload.name },
      );
    }
    if (!supported.includes(value) || needsFence(value))
      throw unsupported(value, `annotation ${STRATEGY_ANNOTATION}`);
    const problem = NEEDS_REPLICA.includes(value) ? replicaProblem(workload, probe) : volumeProblem(value);
    if (problem) {
      return {
        strategy: 'logical',
        decision: {
          source: 'fallback',
          reason: `annotation ${STRATEGY_ANNOTATION} asks for ${value}, but ${problem}: falling back to logical`,
        },
      };
    }
    return {
      strategy: value,
      decision: { source: 'annotation', reason: `annotation ${STRATEGY_ANNOTATION}=${value}` },
    };
  }

  if (supported.includes('replica') && workload.replicas.length > 0) {
    const problem = replicaProblem(workload, probe);
    if (problem) {
      return {
        strategy: 'logical',
        decision: {
          source: 'fallback',
          reason: `a replica is declared, but ${problem}: falling back to logical`,
        },
      };
    }
    return {
      strategy: 'replica',
      decision: {
        source: 'default',
        reason: 'default: a replica is available, so the primary is not touched',
      },
    };
  }
  if (!supported.includes('logical')) throw unsupported('logical', 'default');
  return {
    strategy: 'logical',
    decision: { source: 'default', reason: 'default: logical dump from the primary' },
  };
}
