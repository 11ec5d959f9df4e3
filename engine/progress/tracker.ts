/**
 * Aggregates executor events into per-member progress: totals, a moving-window rate and
 * an ETA from the adapter's estimate. Pure: time comes from the events' `at`.
 */
import type { MemberStatus, RunEvent } from '../executor/events.ts';

export interface MemberProgress {
  readonly member: string;
  /** Current (or last) phase. */
  readonly phase: string | undefined;
  readonly status: 'pending' | 'running' | MemberStatus;
  readonly bytes: number;
  readonly rows: number;
  readonly estimate: { readonly bytes?: number; readonly rows?: number };
  /** Bytes per second over the window; 0 until two samples exist. */
  readonly bytesPerSecond: number;
  readonly rowsPerSecond: number;
  /** Seconds left, when an estimate and a rate exist. */
  readonly etaSeconds: number | undefined;
  /** 0..1 of the estimate, when known. */
  readonly fraction: number | undefined;
  readonly startedAt: number | undefined;
  readonly durationMs: number | undefined;
  readonly error: string | undefined;
}

interface Sample {
  readonly at: number;
  readonly bytes: number;
  readonly rows: number;
}

interface State {
  phase: string | undefined;
  status: MemberProgress['status'];
  bytes: number;
  rows: number;
  estimate: { bytes?: number; rows?: number };
  samples: Sample[];
  startedAt: number | undefined;
  durationMs: number | undefined;
  error: string | undefined;
}

export interface TrackerOptions {
  /** Width of the rate window. @default 5000 */
  readonly windowMs?: number;
}

export class ProgressTracker {
  readonly #members = new Map<string, State>();
  readonly #windowMs: number;

  constructor(options: TrackerOptions = {}) {
    this.#windowMs = options.windowMs ?? 5000;
  }

  #state(member: string): State {
    let state = this.#members.get(member);
    if (!state) {
      state = {
        phase: undefined,
        status: 'pending',
        bytes: 0,
        rows: 0,
        estimate: {},
        samples: [],
        startedAt: undefined,
        durationMs: undefined,
        error: undefined,
      };
      this.#members.set(member, state);
    }
    return state;
  }

  /** Feed one event. */
  update(event: RunEvent): void {
    switch (event.type) {
      case 'run.start':
        for (const member of event.members) this.#state(member);
        return;
      case 'member.start': {
        const state = this.#state(event.member);
        state.status = 'running';
        state.startedAt = event.at;
        state.samples = [{ at: event.at, bytes: 0, rows: 0 }];
        return;
      }
      case 'phase.start':
        this.#state(event.member).phase = event.phase;
        return;
      case 'progress': {
        const state = this.#state(event.member);
        state.phase = event.phase;
        state.bytes += event.bytes;
        state.rows += event.rows;
        if (event.estimate) state.estimate = { ...state.estimate, ...event.estimate };
        const last = state.samples.at(-1);
        // Coalesce samples closer than 100 ms: bounded memory at any event rate.
        if (last && event.at - last.at < 100 && state.samples.length > 1) state.samples.pop();
        state.samples.push({ at: event.at, bytes: state.bytes, rows: state.rows });
        while (state.samples.length > 2 && event.at - (state.samples[1]?.at ?? event.at) >= this.#windowMs) {
          state.samples.shift();
        }
        return;
      }
      case 'member.end': {
        const state = this.#state(event.member);
        state.status = event.status;
        state.durationMs = event.durationMs;
        state.error = event.error;
        return;
      }
      default:
        return;
    }
  }

  /** Progress of every member seen, in first-seen order, as of `now`. */
  snapshot(now: number): MemberProgress[] {
    return [...this.#members.entries()].map(([member, s]) => {
      const first = s.samples[0];
      const last = s.samples.at(-1);
      // A stalled stream decays towards zero: measure up to `now`, not the last sample.
      const span = first && last && s.status === 'running' ? Math.max(now, last.at) - first.at : 0;
      const bytesPerSecond = first && last && span > 0 ? ((last.bytes - first.bytes) * 1000) / span : 0;
      const rowsPerSecond = first && last && span > 0 ? ((last.rows - first.rows) * 1000) / span : 0;
      let etaSeconds: number | undefined;
      let fraction: number | undefined;
      if (s.estimate.bytes) {
        fraction = Math.min(1, s.bytes / s.estimate.bytes);
        if (bytesPerSecond > 0) etaSeconds = Math.max(0, (s.estimate.bytes - s.bytes) / bytesPerSecond);
      } else if (s.estimate.rows) {
        fraction = Math.min(1, s.rows / s.estimate.rows);
        if (rowsPerSecond > 0) etaSeconds = Math.max(0, (s.estimate.rows - s.rows) / rowsPerSecond);
      }
      return {
        member,
        phase: s.phase,
        status: s.status,
        bytes: s.bytes,
        rows: s.rows,
        estimate: { ...s.estimate },
        bytesPerSecond,
        rowsPerSecond,
        etaSeconds,
        fraction,
        startedAt: s.startedAt,
        durationMs: s.durationMs,
        error: s.error,
      };
    });
  }
}
