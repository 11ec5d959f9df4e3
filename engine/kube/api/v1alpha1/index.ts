/**
 * lifeboat.dev/v1alpha1: the public surface. Schemas are the one source of truth for the
 * TypeScript types, the controller's validation and the generated CRDs.
 */
export {
  ACTION_PHASES,
  API_VERSION,
  CATEGORY,
  CONDITION_STATUSES,
  CONDITION_TYPES,
  GROUP,
  VERSION,
  ActionPhaseSchema,
  ConditionSchema,
  ConsistencySchema,
  LabelSelectorSchema,
  ObjectMetaSchema,
  RunnerSchema,
  StrategySchema,
  type ActionPhase,
  type Condition,
  type ConditionStatus,
  type ConditionType,
  type Consistency,
  type LabelSelector,
  type ObjectMeta,
  type PrinterColumn,
  type ResourceDescriptor,
  type Runner,
  type Strategy,
} from './common.ts';
export {
  conditionsWith,
  findCondition,
  isConditionTrue,
  rfc3339,
  type ConditionUpdate,
} from './conditions.ts';
export {
  BlueprintSpecSchema,
  BlueprintStatusSchema,
  blueprintResource,
  type BlueprintLint,
  type BlueprintSpec,
  type BlueprintStatus,
} from './blueprint.ts';
export {
  RepositorySpecSchema,
  RepositoryStatusSchema,
  repositoryResource,
  type RepositorySpec,
  type RepositoryStatus,
  type SecretRef,
} from './repository.ts';
export {
  BackupPolicySpecSchema,
  BackupPolicyStatusSchema,
  CronSchema,
  RetentionSchema,
  backupPolicyResource,
  type BackupPolicySpec,
  type BackupPolicyStatus,
  type ProtectedApplication,
  type Retention,
} from './backup-policy.ts';
export {
  BackupSpecSchema,
  BackupStatusSchema,
  backupResource,
  type BackupMember,
  type BackupProgress,
  type BackupSpec,
  type BackupStatus,
} from './backup.ts';
export {
  RestoreSpecSchema,
  RestoreStatusSchema,
  restoreResource,
  type RestoredMember,
  type RestoreSpec,
  type RestoreStatus,
} from './restore.ts';
export {
  DRILL_STATUS_MAX_TABLES,
  DrillSpecSchema,
  DrillStatusSchema,
  DrillTableProblemSchema,
  DrillTableSchema,
  drillResource,
  type DrillSpec,
  type DrillStatus,
  type DrillTable,
  type DrillTableProblem,
} from './drill.ts';
export {
  BackupObjectSchema,
  BackupPolicyObjectSchema,
  BlueprintObjectSchema,
  CustomResourceError,
  DrillObjectSchema,
  RepositoryObjectSchema,
  RestoreObjectSchema,
  formatPath,
  objectSchemaOf,
  parseBackup,
  parseBackupPolicy,
  parseBlueprint,
  parseDrill,
  parseRepository,
  parseRestore,
  type BackupObject,
  type BackupPolicyObject,
  type BlueprintObject,
  type DrillObject,
  type FieldIssue,
  type RepositoryObject,
  type RestoreObject,
} from './parse.ts';

import { backupPolicyResource } from './backup-policy.ts';
import { backupResource } from './backup.ts';
import { blueprintResource } from './blueprint.ts';
import { drillResource } from './drill.ts';
import { repositoryResource } from './repository.ts';
import { restoreResource } from './restore.ts';

/** Every kind, in the order the CRDs are generated and documented. */
export const ALL_RESOURCES = [
  blueprintResource,
  repositoryResource,
  backupPolicyResource,
  backupResource,
  restoreResource,
  drillResource,
] as const;
