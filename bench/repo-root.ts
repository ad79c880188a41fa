import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';

/** The repository root, whether a benchmark runs from bench/ (sources) or dist/bench/ (built). */
export function repoRoot(from: string = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) || dir.endsWith('dist')) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}
