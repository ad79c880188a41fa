import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A pid file in the data directory: the running platform owns the views, so a rebuild
 * must not write them at the same time.
 */
const lockFile = (dataDir: string) => join(dataDir, 'platform.pid');

export function writePlatformLock(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(lockFile(dataDir), String(process.pid));
  return () => rmSync(lockFile(dataDir), { force: true });
}

export function assertPlatformNotRunning(dataDir: string): void {
  const pid = runningPlatform(dataDir);
  if (pid !== null) throw new Error(`The platform (pid ${pid}) is running on ${dataDir}: one platform per data directory.`);
}

/** The pid of the platform running on the data directory (another process), or null. */
export function runningPlatform(dataDir: string): number | null {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(lockFile(dataDir), 'utf8'), 10);
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid === process.pid) return null;
  try {
    process.kill(pid, 0);
  } catch {
    return null; // a stale file from a crashed process
  }
  return pid;
}
