import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../engine/executor/events.ts';
import {
  createJsonLinesRenderer,
  createPlainRenderer,
  createTtyRenderer,
  formatBytes,
  formatProgressLine,
  formatSeconds,
  ProgressTracker,
} from '../../../engine/progress/index.ts';

const MiB = 1024 * 1024;

/** A run of one member streaming 1 MiB every 100 ms towards a 10 MiB estimate. */
function streamingRun(steps: number): RunEvent[] {
  const events: RunEvent[] = [
    {
      type: 'run.start',
      at: 0,
      action: 'backup',
      app: 'shop',
      backupId: 'b',
      members: ['orders', 'billing'],
    },
    { type: 'member.start', at: 0, member: 'orders', engine: 'postgres', strategy: 'logical' },
    {
      type: 'phase.start',
      at: 0,
      member: 'orders',
      phase: 'dump',
      func: 'postgres.dump',
      attempt: 1,
      defer: false,
    },
    {
      type: 'progress',
      at: 0,
      member: 'orders',
      phase: 'dump',
      bytes: 0,
      rows: 0,
      estimate: { bytes: 10 * MiB },
    },
  ];
  for (let i = 1; i <= steps; i++) {
    events.push({ type: 'progress', at: i * 100, member: 'orders', phase: 'dump', bytes: MiB, rows: 1000 });
  }
  return events;
}

describe('ProgressTracker', () => {
  it('computes totals, rate, fraction and ETA from an estimate', () => {
    const tracker = new ProgressTracker({ windowMs: 5000 });
    for (const e of streamingRun(4)) tracker.update(e);
    const [orders, billing] = tracker.snapshot(400);
    expect(orders).toMatchObject({
      member: 'orders',
      phase: 'dump',
      status: 'running',
      bytes: 4 * MiB,
      rows: 4000,
    });
    expect(orders?.bytesPerSecond).toBeCloseTo(10 * MiB);
    expect(orders?.rowsPerSecond).toBeCloseTo(10_000);
    expect(orders?.fraction).toBeCloseTo(0.4);
    expect(orders?.etaSeconds).toBeCloseTo(0.6);
    expect(billing).toMatchObject({ member: 'billing', status: 'pending', bytes: 0 });
  });

  it('uses a moving window: the rate follows a slowdown', () => {
    const tracker = new ProgressTracker({ windowMs: 1000 });
    for (const e of streamingRun(20)) tracker.update(e); // 10 MiB/s for 2 s
    for (let i = 1; i <= 20; i++) {
      tracker.update({
        type: 'progress',
        at: 2000 + i * 1000,
        member: 'orders',
        phase: 'dump',
        bytes: MiB,
        rows: 0,
      });
    }
    const [orders] = tracker.snapshot(22_000);
    expect(orders?.bytesPerSecond).toBeGreaterThan(0.9 * MiB);
    expect(orders?.bytesPerSecond).toBeLessThan(1.1 * MiB);
  });

  it('records the end of a member', () => {
    const tracker = new ProgressTracker();
    for (const e of streamingRun(1)) tracker.update(e);
    tracker.update({
      type: 'member.end',
      at: 900,
      member: 'orders',
      status: 'failed',
      durationMs: 900,
      error: 'boom',
    });
    expect(tracker.snapshot(1000)[0]).toMatchObject({
      status: 'failed',
      durationMs: 900,
      error: 'boom',
      bytesPerSecond: 0,
    });
  });
});

describe('formatting', () => {
  it.each([
    [0, '0 B'],
    [1536, '1.5 KiB'],
    [200 * MiB, '200 MiB'],
    [3 * 1024 * MiB, '3.0 GiB'],
  ])('formatBytes(%i) = %s', (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });

  it.each([
    [5, '0:05'],
    [75, '1:15'],
    [3725, '1:02:05'],
  ])('formatSeconds(%i) = %s', (n, text) => {
    expect(formatSeconds(n)).toBe(text);
  });

  it('formats a live line', () => {
    const tracker = new ProgressTracker();
    for (const e of streamingRun(4)) tracker.update(e);
    const [orders] = tracker.snapshot(400);
    expect(orders && formatProgressLine(orders, 8)).toBe(
      '› orders    dump           4.0 MiB  4.0k rows  10 MiB/s  ████████░░░░░░░░░░░░ 40%  ETA 0:01',
    );
  });
});

describe('renderers', () => {
  it('JSON lines: every event but progress verbatim, progress throttled per member with totals', () => {
    const lines: string[] = [];
    const renderer = createJsonLinesRenderer(
      { write: (t: string) => lines.push(t) },
      { progressIntervalMs: 250 },
    );
    for (const e of streamingRun(10)) renderer.onEvent(e);
    renderer.onEvent({
      type: 'member.end',
      at: 1050,
      member: 'orders',
      status: 'succeeded',
      durationMs: 1050,
    });
    const parsed = lines.map((l) => JSON.parse(l) as { type: string; bytes?: number; at: number });
    expect(lines.every((l) => l.endsWith('\n'))).toBe(true);
    expect(parsed.map((p) => p.type)).toEqual([
      'run.start',
      'member.start',
      'phase.start',
      'progress',
      'progress',
      'progress',
      'progress',
      'progress',
      'member.end',
    ]);
    const progress = parsed.filter((p) => p.type === 'progress');
    expect(progress.map((p) => [p.at, p.bytes])).toEqual([
      [0, 0],
      [300, 3 * MiB],
      [600, 6 * MiB],
      [900, 9 * MiB],
      [1050, 10 * MiB],
    ]);
  });

  it('TTY: redraws one line per member in place and prints failures above', () => {
    let out = '';
    const renderer = createTtyRenderer(
      { write: (t: string) => (out += t), columns: 200 },
      { now: () => 400 },
    );
    for (const e of streamingRun(4)) renderer.onEvent(e);
    renderer.onEvent({
      type: 'member.end',
      at: 400,
      member: 'billing',
      status: 'failed',
      durationMs: 10,
      error: 'phase "dump" failed',
    });
    renderer.onEvent({ type: 'run.end', at: 400, status: 'failed', durationMs: 400, failed: ['billing'] });
    renderer.stop();
    // Replay the escape codes on a tiny screen model to see what the user sees.
    const screen: string[] = [];
    let row = 0;
    const ESC = String.fromCharCode(27);
    for (const token of out.split(new RegExp(`(${ESC}\\[\\d*[AK]|\\n|\\r)`))) {
      const up = new RegExp(`^${ESC}\\[(\\d+)A$`).exec(token);
      if (up) row -= Number(up[1]);
      else if (token === '\n') row++;
      else if (token === '\x1b[2K') screen[row] = '';
      else if (token !== '\r' && token) screen[row] = (screen[row] ?? '') + token;
    }
    expect(screen.filter(Boolean)).toEqual([
      '✗ phase "dump" failed',
      '› orders   dump           4.0 MiB  4.0k rows  10 MiB/s  ████████░░░░░░░░░░░░ 40%  ETA 0:01',
      '✗ billing                     0 B  in 0:00',
    ]);
  });
});

describe('plain renderer (non-TTY)', () => {
  it('writes one permanent line per meaningful event', () => {
    const lines: string[] = [];
    const renderer = createPlainRenderer({ write: (t: string) => lines.push(t) });
    for (const e of streamingRun(3)) renderer.onEvent(e);
    renderer.onEvent({
      type: 'phase.end',
      at: 300,
      member: 'orders',
      phase: 'dump',
      status: 'succeeded',
      attempts: 1,
      durationMs: 300,
      defer: false,
    });
    renderer.onEvent({
      type: 'phase.end',
      at: 300,
      member: 'orders',
      phase: 'freeze',
      status: 'skipped',
      attempts: 0,
      durationMs: 0,
      defer: false,
    });
    renderer.onEvent({
      type: 'member.end',
      at: 1300,
      member: 'orders',
      status: 'succeeded',
      durationMs: 1300,
    });
    renderer.onEvent({ type: 'run.end', at: 1400, status: 'failed', durationMs: 1400, failed: ['billing'] });
    expect(lines.join('')).toBe(
      [
        'backup of shop (b): orders, billing',
        'orders: dump succeeded in 0:00, 3.0 MiB',
        'orders: succeeded in 0:01',
        'failed (billing did not succeed) in 0:01',
        '',
      ].join('\n'),
    );
  });
});
