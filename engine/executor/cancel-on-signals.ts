import { CancelledError } from '../errors.ts';

/**
 * Abort `controller` on SIGINT/SIGTERM so the run stops and its defer phases (thaw,
 * cleanup) still run; the CLI then exits non-zero. A second signal calls `onForce` (the
 * CLI exits at once). Returns a function that removes the handlers.
 */
export function cancelOnSignals(
  controller: AbortController,
  options: { signals?: readonly NodeJS.Signals[]; onForce?: (signal: NodeJS.Signals) => void } = {},
): () => void {
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  const handler = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      options.onForce?.(signal);
      return;
    }
    controller.abort(new CancelledError(`interrupted by ${signal}; running cleanup phases`));
  };
  for (const signal of signals) process.on(signal, handler);
  return () => {
    for (const signal of signals) process.off(signal, handler);
  };
}
