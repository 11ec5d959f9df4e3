/**
 * The contract of a blueprint function: a named operation a phase calls. A function
 * declares everything about itself (name, args schema, outputs) so a blueprint can be
 * validated offline, with no cluster and no database.
 */
import type { z } from 'zod';
import type { ArtifactSink, ArtifactSource, ProgressSink } from '../../adapters/types.ts';
import type { EngineKind, Workload } from '../model/index.ts';

/**
 * Handles that live across phases of one member's action (a held fence, a pinned
 * snapshot). Templates only ever see the handle's id (a string); the object stays here.
 * Anything still held when the action ends is released by the executor, so a blueprint
 * that forgets its thaw cannot leave a database frozen.
 */
export interface HandleBag {
  /** Store a handle; returns its id, e.g. `fence-1`. */
  put(kind: string, handle: unknown, release: () => Promise<void>): string;
  /** The handle stored under `id`; throws UsageError if missing or of another kind. */
  get(kind: string, id: string): unknown;
  /** Run the handle's release once and forget it; unknown ids are a no-op (idempotent). */
  release(id: string): Promise<void>;
  /** Ids still held. */
  held(): readonly string[];
}

/**
 * Lazily opened artifact access for the member the phase runs for (a verify never opens a
 * sink). Each resolves to the same object on every call.
 */
export interface MemberArtifacts {
  /** Where captured artifacts go; rejects with UsageError when the run has no sink. */
  sink(): Promise<ArtifactSink>;
  /** Where artifacts are read back from; rejects with UsageError when the run has none. */
  source(): Promise<ArtifactSource>;
}

/** What a function receives besides its args. */
export interface FunctionContext {
  /** The workload with its credentials: the only way secrets reach a function. */
  readonly workload: Workload;
  readonly artifacts: MemberArtifacts;
  /** Aborts on phase timeout or run cancellation; functions must stop promptly. */
  readonly signal: AbortSignal;
  readonly progress: ProgressSink;
  readonly handles: HandleBag;
  /** Where this runs, for error context. */
  readonly where: {
    readonly app: string;
    readonly phase: string;
    readonly action: string;
    readonly blueprint: string;
  };
}

/** A blueprint function with its args type erased (what the registry holds). */
export interface BlueprintFunction {
  readonly name: string;
  readonly description: string;
  /** Engine this function belongs to, when it is adapter-provided. */
  readonly engine?: EngineKind;
  /** A strict zod object schema: unknown args are errors; defaults apply. */
  readonly args: z.ZodObject;
  /** Keys of the object `exec` resolves to, readable as `phases.<name>.output.<key>`. */
  readonly outputs: readonly string[];
  /** Validates `args` with the schema, then runs. */
  exec(args: unknown, ctx: FunctionContext): Promise<Readonly<Record<string, unknown>>>;
}

/** How a function file declares itself, with its args typed. */
export interface FunctionDefinition<S extends z.ZodObject> {
  readonly name: string;
  readonly description: string;
  readonly engine?: EngineKind;
  readonly args: S;
  readonly outputs: readonly string[];
  exec(args: z.output<S>, ctx: FunctionContext): Promise<Readonly<Record<string, unknown>>>;
}

/** The lookup the linter, planner and executor use. */
export interface FunctionRegistry {
  get(name: string): BlueprintFunction | undefined;
  /** All names, sorted. */
  names(): readonly string[];
}
