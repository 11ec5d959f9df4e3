import { inject } from 'vitest';
import { TestServerError } from './errors.ts';
import type { ServerName, ServerTypes } from './registry.ts';
import type { SharedServer } from './types.ts';

/** Environment variable carrying the broker URL (also provided to workers as `lifeboatBroker`). */
export const BROKER_ENV = 'LIFEBOAT_TEST_BROKER';

declare module 'vitest' {
  export interface ProvidedContext {
    lifeboatBroker: string;
  }
}

function brokerUrl(): string | undefined {
  const fromEnv = process.env[BROKER_ENV];
  if (fromEnv) return fromEnv;
  try {
    return inject('lifeboatBroker');
  } catch {
    return undefined;
  }
}

/**
 * The shared server `name` for this test run, started on first use and reused by every
 * test file afterwards; the run's global teardown stops it. Tests must not stop or kill
 * it (start a private one with `startX()` for that).
 * @throws TestServerError with the server's own reason (e.g. the install command to run).
 */
export async function useServer<K extends ServerName>(name: K): Promise<SharedServer<ServerTypes[K]>> {
  const url = brokerUrl();
  if (url === undefined) {
    throw new TestServerError(
      name,
      'no test-server broker: run the tests with vitest (globalSetup in vitest.config.ts)',
    );
  }
  const res = await fetch(`${url}/servers/${encodeURIComponent(name)}`);
  const body = (await res.json()) as SharedServer<ServerTypes[K]> | { error: string };
  if (!res.ok || 'error' in body) {
    throw new TestServerError(name, 'error' in body ? body.error : `broker answered ${res.status}`);
  }
  return body;
}
