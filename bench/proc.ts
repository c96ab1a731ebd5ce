/**
 * What the kernel says a process used: CPU time (utime + stime from /proc/PID/stat) and memory (VmRSS, VmHWM from
 * /proc/PID/status). Linux only, as the servers the bench starts are.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

/** A process the bench watches, under the name its tables use. */
export interface Watched {
  readonly name: string;
  readonly pid: number;
}

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

/** CPU time of `pid` so far (user + system), in milliseconds; 0 once it is gone. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may contain spaces and parentheses: utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
  } catch {
    return 0;
  }
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const line = status.split('\n').find((l) => l.startsWith(`${field}:`));
    return line ? Number(line.split(/\s+/)[1]) : 0;
  } catch {
    return 0;
  }
}

/** Resident memory of `pid` now, in MB. */
export const rssMb = (pid: number) => statusKb(pid, 'VmRSS') / 1024;
/** Peak resident memory of `pid` (since start or the last {@link resetPeak}), in MB. */
export const peakRssMb = (pid: number) => statusKb(pid, 'VmHWM') / 1024;

/** Restarts the peak-RSS count of `pid` from its current RSS (`echo 5 > clear_refs`); false when not allowed. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** CPU milliseconds of each watched process, by name. */
export type CpuSnapshot = Record<string, number>;

export function cpuSnapshot(processes: readonly Watched[]): CpuSnapshot {
  return Object.fromEntries(processes.map((p) => [p.name, cpuMs(p.pid)]));
}

/** CPU used by each process between two snapshots, in milliseconds. */
export function cpuDelta(before: CpuSnapshot, after: CpuSnapshot): CpuSnapshot {
  return Object.fromEntries(Object.entries(after).map(([name, ms]) => [name, ms - (before[name] ?? 0)]));
}

/** The machine the figures were measured on. */
export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGb: number;
  readonly kernel: string;
  readonly node: string;
}

export function machine(): Machine {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? 'unknown';
  const memKb = Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0);
  return {
    cpus: Number(execFileSync('nproc', { encoding: 'utf8' }).trim()),
    cpuModel: model,
    memoryGb: Math.round((memKb / 1024 / 1024) * 10) / 10,
    kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
    node: process.version,
  };
}
