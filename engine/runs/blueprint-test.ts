/**
 * `lifeboat blueprint test`: a drill for a blueprint under development. Back up one
 * workload with the blueprint into a throw-away encrypted repository, restore it into
 * scratch databases, verify against the capture's fingerprints (the blueprint's own
 * restore and verify actions), drop the scratch databases and the repository.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunEvent } from '../executor/index.ts';
import type { Workload } from '../model/index.ts';
import { LocalStore, Repository } from '../repository/index.ts';
import { runBackup } from './backup.ts';
import { runDrill, type DrillReport } from './drill.ts';
import { loadEngineSetup } from './engine-setup.ts';

export interface BlueprintTestRequest {
  readonly file: string;
  readonly workload: Workload;
  /** Scratch server URL for the restore; the workload's own server by default. */
  readonly scratch?: string;
  readonly parallelism: number;
  readonly passwordFor: (member: string) => string | undefined;
}

export interface BlueprintTestReport {
  readonly blueprint: string;
  readonly backupId: string;
  readonly backupMs: number;
  readonly drill: DrillReport;
  readonly passed: boolean;
}

export async function runBlueprintTest(
  request: BlueprintTestRequest,
  run: { signal: AbortSignal; onEvent: (event: RunEvent) => void },
): Promise<BlueprintTestReport> {
  const setup = await loadEngineSetup([request.file]);
  const blueprint = setup.blueprintsByEngine[request.workload.engine]?.blueprint.metadata.name ?? '?';
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-blueprint-test-'));
  try {
    const store = new LocalStore(dir);
    const key = randomBytes(32);
    await Repository.init(store, { key });
    const repository = await Repository.open(store, { key });
    const started = Date.now();
    const { manifest } = await runBackup(
      {
        application: { name: request.workload.name, workloads: [request.workload] },
        options: { parallelism: request.parallelism },
      },
      setup,
      repository,
      run,
    );
    const backupMs = Date.now() - started;
    const drill = await runDrill(
      {
        backupId: manifest.backupId,
        scratch: request.scratch === undefined ? {} : { [request.workload.name]: request.scratch },
        keep: false,
        parallelism: request.parallelism,
        passwordFor: request.passwordFor,
      },
      setup,
      repository,
      run,
    );
    return { blueprint, backupId: manifest.backupId, backupMs, drill, passed: drill.passed };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
