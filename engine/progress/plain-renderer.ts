/**
 * Progress for a non-TTY stderr (CI logs, pipes): one permanent line per meaningful
 * event, no cursor movement, no per-chunk noise.
 */
import type { RunEvent } from '../executor/events.ts';
import { formatBytes, formatSeconds } from './format.ts';
import { ProgressTracker } from './tracker.ts';

/** The line for `event`, or undefined when the event is not worth a line (pure). */
export function plainLine(event: RunEvent, tracker: ProgressTracker): string | undefined {
  switch (event.type) {
    case 'run.start':
      return `${event.action} of ${event.app} (${event.backupId}): ${event.members.join(', ')}`;
    case 'cut.end':
      return event.status === 'succeeded'
        ? `consistent cut taken: writes fenced for ${event.fenceWindowMs} ms`
        : `consistent cut failed: ${event.error ?? ''}`;
    case 'phase.end': {
      if (event.status === 'skipped') return undefined;
      const p = tracker.snapshot(event.at).find((m) => m.member === event.member);
      const size = p?.bytes ? `, ${formatBytes(p.bytes)}` : '';
      const took = formatSeconds(event.durationMs / 1000);
      const error = event.error ? `: ${event.error}` : '';
      return `${event.member}: ${event.phase} ${event.status} in ${took}${size}${error}`;
    }
    case 'phase.retry':
      return `${event.member}: retrying ${event.phase} in ${formatSeconds(event.delayMs / 1000)}: ${event.error}`;
    case 'warning':
      return `warning: ${event.member ? `${event.member}: ` : ''}${event.message}`;
    case 'member.end':
      return `${event.member}: ${event.status} in ${formatSeconds(event.durationMs / 1000)}`;
    case 'run.end':
      return `${event.status}${event.failed.length ? ` (${event.failed.join(', ')} did not succeed)` : ''} in ${formatSeconds(event.durationMs / 1000)}`;
    default:
      return undefined;
  }
}

export function createPlainRenderer(stream: { write(text: string): unknown }) {
  const tracker = new ProgressTracker();
  return {
    onEvent(event: RunEvent): void {
      tracker.update(event);
      const line = plainLine(event, tracker);
      if (line !== undefined) stream.write(`${line}\n`);
    },
  };
}
