/**
 * Blueprints: schema, loading and validation (with source positions), the template
 * language and its context, and render previews. Depends on the model, errors and the
 * function contract (types only); nothing here performs I/O except the file loaders.
 */
export {
  ACTION_NAMES,
  BLUEPRINT_API_VERSION,
  BlueprintSchema,
  blueprintJsonSchema,
  type Action,
  type ActionName,
  type Blueprint,
  type Phase,
} from './schema.ts';
export { validateBlueprint, type ValidateOptions, type ValidationResult } from './validate.ts';
export {
  blueprintsByEngine,
  builtinBlueprintsDir,
  loadBlueprintFile,
  loadBlueprintText,
  loadBuiltinBlueprints,
  type LoadedBlueprint,
} from './load.ts';
export { InvalidBlueprintError } from './invalid-blueprint-error.ts';
export { lintBlueprintFiles } from './lint-files.ts';
export {
  CONTEXT_SHAPE,
  buildTemplateContext,
  type BackupInfo,
  type PhaseRecord,
  type Shape,
  type TemplateOptions,
} from './context.ts';
export { renderAction, type RenderedPhase } from './render.ts';
export { evaluateCondition, renderString, renderValue, type TemplateWhere } from './template/evaluate.ts';
export { formatDuration, parseDuration } from './duration.ts';
