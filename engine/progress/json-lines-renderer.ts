/**
 * `-o json` progress: one JSON object per line. Every event except `progress` is written
 * as it happens; progress is summarised per member (totals, rate, ETA) at most once per
 * interval, plus once when the member ends, so a fast stream cannot flood the output.
 */
import type { RunEvent } from '../executor/events.ts';
import { ProgressTracker } from './tracker.ts';

export interface JsonLinesOptions {
  /** Least time between two progress lines of one member. @default 1000 */
  readonly progressIntervalMs?: number;
}

export function createJsonLinesRenderer(
  stream: { write(text: string): unknown },
  options: JsonLinesOptions = {},
) {
  const interval = options.progressIntervalMs ?? 1000;
  const tracker = new ProgressTracker();
  const lastWritten = new Map<string, number>();
  const writeProgress = (member: string, at: number): void => {
    const p = tracker.snapshot(at).find((m) => m.member === member);
    if (!p) return;
    lastWritten.set(member, at);
    stream.write(
      `${JSON.stringify({
        type: 'progress',
        at,
        member,
        phase: p.phase ?? null,
        bytes: p.bytes,
        rows: p.rows,
        bytesPerSecond: Math.round(p.bytesPerSecond),
        rowsPerSecond: Math.round(p.rowsPerSecond),
        estimate: p.estimate,
        etaSeconds: p.etaSeconds === undefined ? null : Math.round(p.etaSeconds),
      })}\n`,
    );
  };
  const onEvent = (event: RunEvent): void => {
    tracker.update(event);
    if (event.type === 'progress') {
      const last = lastWritten.get(event.member);
      if (last === undefined || event.at - last >= interval) writeProgress(event.member, event.at);
      return;
    }
    if (event.type === 'member.end' && lastWritten.has(event.member)) writeProgress(event.member, event.at);
    stream.write(`${JSON.stringify(event)}\n`);
  };
  return { onEvent };
}
