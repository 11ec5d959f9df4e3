/**
 * How a run shows itself: a live progress block on a terminal, JSON lines with `-o json`,
 * nothing on a pipe without `-o json` (the result line still prints). Ctrl-C cancels the
 * run (cleanup phases still run); a second Ctrl-C exits at once.
 */
import type { RunEvent } from '../../executor/index.ts';
import { cancelOnSignals } from '../../executor/index.ts';
import { createJsonLinesRenderer, createTtyRenderer } from '../../progress/index.ts';

export interface RunDisplay {
  readonly signal: AbortSignal;
  readonly onEvent: (event: RunEvent) => void;
  /** Stop the display and the signal handlers. */
  close(): void;
}

export function openRunDisplay(output: 'table' | 'json'): RunDisplay {
  const controller = new AbortController();
  const removeHandlers = cancelOnSignals(controller, {
    onForce: (signal) => {
      process.stderr.write(`lifeboat: ${signal} again: exiting without cleanup\n`);
      process.exit(130);
    },
  });
  let onEvent: (event: RunEvent) => void = () => undefined;
  let stop = (): void => undefined;
  if (output === 'json') {
    onEvent = createJsonLinesRenderer(process.stdout).onEvent;
  } else if (process.stderr.isTTY) {
    const tty = createTtyRenderer(process.stderr);
    onEvent = tty.onEvent;
    stop = tty.stop;
  }
  return {
    signal: controller.signal,
    onEvent,
    close() {
      stop();
      removeHandlers();
    },
  };
}
