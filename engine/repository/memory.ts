/** Explicit release of large buffers. */

/**
 * Free `buf`'s memory now instead of at the next garbage collection (which, for
 * memory outside the JS heap, may come only after tens of MiB of garbage). Only for a
 * buffer that alone views its ArrayBuffer; the Buffer pool's shared slabs (never
 * larger than `Buffer.poolSize`) are left alone. `buf` is empty afterwards.
 */
export function releaseMemory(buf: Uint8Array): void {
  const memory = buf.buffer;
  if (memory instanceof ArrayBuffer && !memory.detached && memory.byteLength > Buffer.poolSize)
    memory.transfer(0);
}
