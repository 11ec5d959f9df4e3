import type { ProgressSink } from '../../../adapters/types.ts';
import { createHandleBag } from '../../../engine/functions/handle-bag.ts';
import type { FunctionContext, MemberArtifacts } from '../../../engine/functions/types.ts';
import type { Workload } from '../../../engine/model/index.ts';
import { aWorkload, memorySource, recordingSink } from './fakes.ts';

/** A FunctionContext for calling one function directly, with recording sink and progress. */
export function aFunctionContext(
  overrides: { workload?: Workload; signal?: AbortSignal; artifacts?: MemberArtifacts } = {},
) {
  const sink = recordingSink();
  const progress = { bytes: 0, rows: 0, estimates: [] as unknown[] };
  const progressSink: ProgressSink = {
    bytes: (n) => (progress.bytes += n),
    rows: (n) => (progress.rows += n),
    estimate: (t) => progress.estimates.push(t),
  };
  const ctx: FunctionContext = {
    workload: overrides.workload ?? aWorkload('orders').build(),
    artifacts: overrides.artifacts ?? {
      sink: () => Promise.resolve(sink),
      source: () => Promise.resolve(memorySource(sink.artifacts)),
    },
    signal: overrides.signal ?? new AbortController().signal,
    progress: progressSink,
    handles: createHandleBag(),
    where: { app: 'shop', phase: 'p', action: 'backup', blueprint: 'bp' },
  };
  return { ctx, sink, progress };
}
