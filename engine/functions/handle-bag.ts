import { UsageError } from '../errors.ts';
import type { HandleBag } from './types.ts';

interface Entry {
  readonly kind: string;
  readonly handle: unknown;
  readonly release: () => Promise<void>;
}

/** A fresh, empty handle bag for one member's action run. */
export function createHandleBag(): HandleBag {
  const entries = new Map<string, Entry>();
  let counter = 0;
  return {
    put(kind, handle, release) {
      const id = `${kind}-${++counter}`;
      entries.set(id, { kind, handle, release });
      return id;
    },
    get(kind: string, id: string): unknown {
      const entry = entries.get(id);
      if (entry?.kind !== kind) {
        throw new UsageError(
          `no ${kind} handle \`${id}\` is held (already released, or from another phase kind)`,
        );
      }
      return entry.handle;
    },
    async release(id) {
      const entry = entries.get(id);
      if (!entry) return;
      // Forget first: a release that throws must not be retried by the safety net forever.
      entries.delete(id);
      await entry.release();
    },
    held: () => [...entries.keys()],
  };
}
