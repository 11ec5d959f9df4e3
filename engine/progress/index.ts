export { ProgressTracker, type MemberProgress, type TrackerOptions } from './tracker.ts';
export {
  createTtyRenderer,
  formatProgressLine,
  type TtyRendererOptions,
  type TtyStream,
} from './tty-renderer.ts';
export { createJsonLinesRenderer, type JsonLinesOptions } from './json-lines-renderer.ts';
export { createPlainRenderer, plainLine } from './plain-renderer.ts';
export { formatBytes, formatCount, formatSeconds } from './format.ts';
