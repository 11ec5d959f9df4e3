/**
 * Native exports: a member of a backup written in a form the database's own tools load
 * without Lifeboat (no lock-in). One entry per engine that has one.
 */
import type { Writable } from 'node:stream';
import { AdapterError } from '../engine/errors.ts';
import type { EngineKind, Workload } from '../engine/model/index.ts';
import { exportSql as mysqlExportSql } from './mysql/index.ts';
import { exportPlainSql as postgresExportSql } from './postgres/index.ts';
import type { ArtifactSource } from './types.ts';

export interface ExportRequest {
  readonly workload: Workload;
  readonly source: ArtifactSource;
  /** Databases captured by the member; some engines export one at a time. */
  readonly databases: readonly string[];
  /** The one to export, where the engine exports one at a time. */
  readonly database?: string;
}

type Exporter = (request: ExportRequest, out: Writable) => Promise<string>;

async function writeAll(out: Writable, chunks: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const chunk of chunks) {
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', resolve));
  }
}

const EXPORTERS: Partial<Record<EngineKind, Exporter>> = {
  async postgres(request, out) {
    const database = request.database ?? (request.databases.length === 1 ? request.databases[0] : undefined);
    if (database === undefined) {
      throw new AdapterError(
        'postgres',
        `the member captured ${request.databases.length} databases (${request.databases.join(', ')}): choose one with --database`,
        { workload: request.workload.name },
      );
    }
    await postgresExportSql(request.workload, request.source, database, out);
    return `psql -v ON_ERROR_STOP=1 -d ${database} -f FILE`;
  },
  async mysql(request, out) {
    await writeAll(out, mysqlExportSql(request.source));
    return 'mariadb < FILE';
  },
};

/** Write the export to `out`; resolves to a hint of the native command that loads it. */
export async function exportNative(
  engine: EngineKind,
  request: ExportRequest,
  out: Writable,
): Promise<string> {
  const exporter = EXPORTERS[engine];
  if (!exporter)
    throw new AdapterError(engine, `no native export for ${engine} yet`, { workload: request.workload.name });
  return exporter(request, out);
}
