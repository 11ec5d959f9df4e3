export { blueprintOnlyEngines, loadEngineSetup, type EngineSetup } from './engine-setup.ts';
export { planBackup, runBackup, type BackupOutcome, type BackupRequest } from './backup.ts';
export { runRestore, type RestoreOutcome, type RestoreRequest } from './restore.ts';
export { memberDatabases, memberEngine, recordedMembers } from './member-record.ts';
export { isStreamMember, refuseStreamMember, STDIN_ENGINE } from './stream-member.ts';
export { passwordFromEnvironment, passwordEnvName } from './passwords.ts';
export { runDrill, type DrillMember, type DrillReport, type DrillRequest } from './drill.ts';
export { dropDatabases, scratchName } from './drill-scratch.ts';
export { runBlueprintTest, type BlueprintTestReport, type BlueprintTestRequest } from './blueprint-test.ts';
