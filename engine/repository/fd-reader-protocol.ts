/** Messages between `readFd` and its worker thread (fd-reader-worker.ts). */

export interface FdReaderWorkerData {
  readonly fd: number;
}

/** A filled buffer (length bytes; `end` when the input ended after them), or a read error. */
export type FdReaderReply =
  | { readonly buffer: ArrayBuffer; readonly length: number; readonly end: boolean }
  | { readonly error: string };
