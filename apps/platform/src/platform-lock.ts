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
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(lockFile(dataDir), 'utf8'), 10);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid === process.pid) return;
  try {
    process.kill(pid, 0);
  } catch {
    return; // a stale file from a crashed process
  }
  throw new Error(`The platform (pid ${pid}) is running on ${dataDir}: stop it before rebuilding its views.`);
}
