import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateHistory } from '@crm/simulation';
import { tempDir } from '@crm/testing';
import { startPlatform } from './platform-harness';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..', '..');

jest.setTimeout(120_000);

describe('npm run rebuild', () => {
  it('replays the history into views equal to the live ones (compared as of one instant)', async () => {
    const dir = tempDir('crm-e2e-rebuild-');
    try {
      const platform = await startPlatform(dir.path, { SEGMENTATION_INTERVAL_SEC: '0' });
      const events = [...generateHistory({ customers: 40, days: 120, seed: 3 })];
      for (let i = 0; i < events.length; i += 200) await platform.http.post('/v1/events/batch').send({ events: events.slice(i, i + 200) }).expect(202);
      const head = (await platform.http.get('/health')).body.checks.eventStore.head as number;
      await platform.projector.runner.waitForPosition(head, 20_000);
      await platform.close();

      const rebuild = (...args: string[]) =>
        run(process.execPath, ['-r', '@swc-node/register', '-r', 'tsconfig-paths/register', 'apps/platform/src/rebuild.ts', '--verify', '--no-progress', '--as-of', '2025-06-01T00:00:00Z', ...args], {
          cwd: ROOT,
          env: { ...process.env, DATA_DIR: dir.path, SWC_NODE_PROJECT: join(ROOT, 'tsconfig.json') },
        });
      // Write-back with every customer in memory (the default), with a bound forcing evictions, and off.
      for (const args of [[], ['--cache-views', '3'], ['--cache-views', '0']]) {
        const { stdout } = await rebuild(...args);
        expect(stdout).toMatch(new RegExp(`from ${events.length} events`));
        expect(stdout).toMatch(new RegExp(`checkpoint ${head},`));
        expect(stdout).toContain('verify: views identical');
      }
    } finally {
      dir.remove();
    }
  });
});
