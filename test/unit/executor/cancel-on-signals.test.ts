import { describe, expect, it } from 'vitest';
import { CancelledError } from '../../../engine/errors.ts';
import { cancelOnSignals } from '../../../engine/executor/index.ts';

describe('cancelOnSignals', () => {
  it('aborts on the first signal with a CancelledError, calls onForce on the second, and detaches', () => {
    const controller = new AbortController();
    const forced: string[] = [];
    // SIGUSR2: a signal nothing else in the test process listens to.
    const dispose = cancelOnSignals(controller, { signals: ['SIGUSR2'], onForce: (s) => forced.push(s) });
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(controller.signal.aborted).toBe(true);
    expect(controller.signal.reason).toBeInstanceOf(CancelledError);
    expect((controller.signal.reason as Error).message).toBe(
      'interrupted by SIGUSR2; running cleanup phases',
    );
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(forced).toEqual(['SIGUSR2']);
    dispose();
    expect(process.listenerCount('SIGUSR2')).toBe(0);
  });
});
