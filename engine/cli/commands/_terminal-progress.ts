/**
 * A one-line progress display on stderr for long repository commands (stdin backup,
 * verify, prune's pack rewrite): bytes, rate, and with a known total the share and ETA.
 * Redrawn once a second; nothing when stderr is not a terminal (logs, pipes, tests).
 */
import { formatBytes, formatSeconds } from '../../progress/format.ts';

export interface ProgressReading {
  readonly bytes: number;
  /** Expected total, when known: adds the share done and an ETA. */
  readonly total?: number;
}

/**
 * Redraw `label: …` from `read()` until `stop`; nothing while `read()` gives undefined
 * (the measured step has not begun). The rate counts from the first reading.
 */
export function terminalProgress(label: string, read: () => ProgressReading | undefined): { stop(): void } {
  if (!process.stderr.isTTY) return { stop: () => undefined };
  let t0: number | undefined;
  let drawn = false;
  const timer = setInterval(() => {
    const reading = read();
    if (reading === undefined) return;
    t0 ??= performance.now() - 1000;
    drawn = true;
    process.stderr.write(`\r${progressText(label, reading, (performance.now() - t0) / 1000)}\x1b[K`);
  }, 1000);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      if (drawn) process.stderr.write('\r\x1b[K');
    },
  };
}

/** The line itself (pure, for tests). */
export function progressText(label: string, { bytes, total }: ProgressReading, seconds: number): string {
  const rate = seconds > 0 ? bytes / seconds : 0;
  const parts = [`${label}: ${formatBytes(bytes)}${total !== undefined ? ` of ${formatBytes(total)}` : ''}`];
  if (rate > 0) parts.push(`${formatBytes(rate)}/s`);
  if (total !== undefined && total > 0) {
    parts.push(`${Math.min(100, Math.floor((bytes / total) * 100))}%`);
    if (rate > 0 && bytes < total) parts.push(`ETA ${formatSeconds((total - bytes) / rate)}`);
  }
  return parts.join(', ');
}
