import { describe, expect, it } from 'vitest';
import { useServer } from '../../../testcontainers/index.ts';

describe('test-server broker', () => {
  it('hands every request the same running server', async () => {
    const [a, b] = await Promise.all([useServer('postgres'), useServer('postgres')]);
    expect(a.port).toBe(b.port);
    expect(a.url).toBe(b.url);
    expect(a).not.toHaveProperty('stop');
  });

  it('rejects unknown server names with a typed error', async () => {
    // @ts-expect-error: not a server name
    await expect(useServer('oracle')).rejects.toThrow(/unknown test server "oracle"/);
  });
});
