import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Creates `file` with `content` unless it exists, atomically: written aside, then linked into
 * place, so of the processes starting together on a new data directory (the relay, the
 * projector, the query API) exactly one creates it and the others use that one. Returns whether
 * this call created it.
 */
export function createFileOnce(file: string, content: string, mode = 0o600): boolean {
  mkdirSync(dirname(file), { recursive: true });
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(aside, content, { mode });
  try {
    linkSync(aside, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(aside, { force: true });
  }
}
