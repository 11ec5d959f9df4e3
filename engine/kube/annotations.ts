/** The `lifeboat.dev/*` annotations discovery reads from workloads. */
export const ANNOTATION = {
  /** Engine kind (`postgres|mysql|mongodb|cassandra`, a few aliases) or `none` to exclude. */
  engine: 'lifeboat.dev/engine',
  /** Blueprint name to use for this workload instead of the engine's default. */
  blueprint: 'lifeboat.dev/blueprint',
  /** Capture strategy hint (`logical`, `replica`, …), read by the planner. */
  strategy: 'lifeboat.dev/strategy',
  /** Application the workload belongs to; wins over `app.kubernetes.io/part-of`. */
  app: 'lifeboat.dev/app',
  /** Name of a Secret in the workload's namespace with keys `username` and `password`. */
  credentials: 'lifeboat.dev/credentials',
  /** Comma-separated databases to capture (default: all user databases). */
  databases: 'lifeboat.dev/databases',
} as const;

/** The standard label that groups workloads of one application. */
export const PART_OF_LABEL = 'app.kubernetes.io/part-of';
