import { describe, expect, it } from 'vitest';
import { parseImage, recogniseImage } from '../../../engine/kube/index.ts';

describe('recogniseImage', () => {
  it.each([
    ['postgres', 'postgres', 'official'],
    ['postgres:16', 'postgres', 'official'],
    ['docker.io/library/postgres:16@sha256:' + 'a'.repeat(64), 'postgres', 'official'],
    ['registry.example.com/library/postgres:15', 'postgres', 'official'],
    ['registry.example.com:5000/postgres', 'postgres', 'official'],
    ['bitnami/postgresql:15', 'postgres', 'bitnami'],
    ['registry.example.com/bitnami/postgresql:15', 'postgres', 'bitnami'],
    ['docker.io/bitnami/postgresql@sha256:' + 'b'.repeat(64), 'postgres', 'bitnami'],
    ['mysql:8.4', 'mysql', 'official'],
    ['mariadb:11', 'mysql', 'official'],
    ['bitnami/mysql:8.0', 'mysql', 'bitnami'],
    ['bitnami/mariadb:10.11', 'mysql', 'bitnami'],
    ['mongo:7', 'mongodb', 'official'],
    ['bitnami/mongodb:7.0', 'mongodb', 'bitnami'],
    ['cassandra:5.0', 'cassandra', 'official'],
    ['mirror.local/dockerhub/bitnami/cassandra:5', 'cassandra', 'bitnami'],
  ])('%s → %s (%s)', (image, engine, family) => {
    expect(recogniseImage(image)).toEqual({ engine, family });
  });

  it.each([
    'nginx:1.27',
    'prometheuscommunity/postgres-exporter:v0.15',
    'someone/postgres:16',
    'bitnami/redis:7',
    'postgres-exporter',
    'ghcr.io/example/mongo-express',
  ])('%s is not a database image', (image) => {
    expect(recogniseImage(image)).toBeUndefined();
  });
});

describe('parseImage', () => {
  it.each([
    [
      'postgres',
      { registry: 'docker.io', repository: 'library/postgres', tag: undefined, digest: undefined },
    ],
    ['localhost:5000/pg:1', { registry: 'localhost:5000', repository: 'pg', tag: '1', digest: undefined }],
    ['quay.io/a/b:2@sha256:x', { registry: 'quay.io', repository: 'a/b', tag: '2', digest: 'sha256:x' }],
  ])('%s', (image, expected) => {
    expect(parseImage(image)).toEqual(expected);
  });
});
