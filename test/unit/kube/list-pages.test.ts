import { describe, expect, it } from 'vitest';
import { pageUrl } from '../../../engine/kube/list-pages.ts';

describe('list page URLs', () => {
  it('core and named groups, cluster-wide and per namespace, with the continue token encoded', () => {
    expect(pageUrl('https://k:6443/', 'services', undefined, 500, undefined)).toBe(
      'https://k:6443/api/v1/services?limit=500',
    );
    expect(pageUrl('https://k:6443', 'statefulsets', 'shop', 100, 'eyJ2Ijo+/=')).toBe(
      'https://k:6443/apis/apps/v1/namespaces/shop/statefulsets?limit=100&continue=eyJ2Ijo%2B%2F%3D',
    );
    expect(pageUrl('https://k/base', 'endpointslices', 'a b', 1, undefined)).toBe(
      'https://k/base/apis/discovery.k8s.io/v1/namespaces/a%20b/endpointslices?limit=1',
    );
  });
});
