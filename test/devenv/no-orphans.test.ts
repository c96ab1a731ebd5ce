import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/start-and-hang.ts', import.meta.url));

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function startServersInChild() {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    if (line.startsWith('{')) return { child, pids: (JSON.parse(line) as { pids: number[] }).pids };
  }
  throw new Error('the fixture exited before printing its pids');
}

describe('server processes', () => {
  it.each([
    ['killed with SIGKILL', 'SIGKILL'],
    ['interrupted with Ctrl-C (SIGINT)', 'SIGINT'],
  ] as const)('do not outlive the process that started them when it is %s', async (_, signal) => {
    const { child, pids } = await startServersInChild();
    expect(pids).toHaveLength(3); // temporal, etcd, kube-apiserver
    expect(pids.every(isAlive)).toBe(true);

    child.kill(signal);
    await vi.waitFor(() => expect(pids.filter(isAlive)).toEqual([]), { timeout: 15_000, interval: 200 });
  });
});
