/**
 * This process's own peak RSS in KiB. Not `resourceUsage().maxRSS`: Linux carries a forked
 * child's high-water mark (the parent's RSS at fork time) over exec, so a child of a big
 * parent reports at least the parent's size (a fresh node child of a 445 MiB parent: 405 MiB
 * vs its VmHWM of 42 MiB). VmHWM belongs to the new address space only.
 */
import { readFileSync } from 'node:fs';

export function peakRssKiB(): number {
  const kib = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  return kib ? Number(kib) : process.resourceUsage().maxRSS;
}
