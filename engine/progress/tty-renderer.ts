/**
 * Live progress on a terminal: one line per member, redrawn in place (ANSI cursor moves,
 * no dependency). Warnings and failures are printed above the live block and stay.
 */
import type { RunEvent } from '../executor/events.ts';
import { formatBytes, formatCount, formatSeconds } from './format.ts';
import { ProgressTracker, type MemberProgress } from './tracker.ts';

export interface TtyStream {
  write(text: string): unknown;
  readonly columns?: number;
}

export interface TtyRendererOptions {
  /** Redraw period while running. @default 200 */
  readonly intervalMs?: number;
  readonly now?: () => number;
}

const ICON: Record<MemberProgress['status'], string> = {
  pending: '·',
  running: '›',
  succeeded: '✓',
  failed: '✗',
  cancelled: '⊘',
};

function bar(fraction: number, width: number): string {
  const filled = Math.round(fraction * width);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

/** One member's line, without colour (pure, for tests). */
export function formatProgressLine(p: MemberProgress, nameWidth: number): string {
  const parts = [`${ICON[p.status]} ${p.member.padEnd(nameWidth)}`, (p.phase ?? '').padEnd(10)];
  parts.push(formatBytes(p.bytes).padStart(10));
  if (p.rows) parts.push(`${formatCount(p.rows)} rows`);
  if (p.status === 'running') {
    if (p.bytesPerSecond > 0) parts.push(`${formatBytes(p.bytesPerSecond)}/s`);
    if (p.fraction !== undefined) parts.push(`${bar(p.fraction, 20)} ${Math.floor(p.fraction * 100)}%`);
    if (p.etaSeconds !== undefined) parts.push(`ETA ${formatSeconds(p.etaSeconds)}`);
  } else if (p.durationMs !== undefined) {
    parts.push(`in ${formatSeconds(p.durationMs / 1000)}`);
  }
  return parts.join('  ');
}

/** Subscribe `onEvent` to `execute`; call `stop` when the run is over (run.end also stops it). */
export function createTtyRenderer(stream: TtyStream, options: TtyRendererOptions = {}) {
  const now = options.now ?? Date.now;
  const tracker = new ProgressTracker();
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;

  const clear = (): string => (drawn ? `\x1b[${drawn}A\r` : '');
  const draw = (): void => {
    const progress = tracker.snapshot(now());
    const width = Math.min(24, Math.max(6, ...progress.map((p) => p.member.length)));
    const columns = stream.columns ?? 120;
    let out = clear();
    for (const p of progress) out += `\x1b[2K${formatProgressLine(p, width).slice(0, columns - 1)}\n`;
    drawn = progress.length;
    stream.write(out);
  };
  const printAbove = (line: string): void => {
    // Erase the live block, print the permanent line, redraw the block below it.
    let out = clear();
    for (let i = 0; i < drawn; i++) out += '\x1b[2K\n';
    out += drawn ? `\x1b[${drawn}A\r` : '';
    stream.write(`${out}\x1b[2K${line}\n`);
    drawn = 0;
    draw();
  };
  const stop = (): void => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };

  const onEvent = (event: RunEvent): void => {
    tracker.update(event);
    switch (event.type) {
      case 'run.start':
        timer = setInterval(draw, options.intervalMs ?? 200);
        timer.unref();
        draw();
        return;
      case 'warning':
        printAbove(`! ${event.member ? `${event.member}: ` : ''}${event.message}`);
        return;
      case 'phase.retry':
        printAbove(
          `↻ ${event.member}: retrying ${event.phase} in ${formatSeconds(event.delayMs / 1000)}: ${event.error}`,
        );
        return;
      case 'member.end':
        if (event.error) printAbove(`✗ ${event.error}`);
        else draw();
        return;
      case 'run.end':
        draw();
        stop();
        return;
      case 'progress':
        return;
      default:
        draw();
    }
  };
  return { onEvent, stop };
}
