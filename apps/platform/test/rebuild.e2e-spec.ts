import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { DEFAULT_POLICY } from '@crm/domain';
import type { CustomerView } from '@crm/domain';
import type { ProjectedView, WhatIfReport } from '@crm/projection';
import { promisify } from 'node:util';
import { generateHistory } from '@crm/simulation';
import { loadConfig } from '@crm/config';
import { openReadStore } from '@crm/infrastructure';
import { tempDir } from '@crm/testing';
import { startPlatform } from './platform-harness';

const run = promisify(execFile);

/** The generation of the read models being served on the data directory. */
const servedStore = (dataDir: string) => openReadStore(loadConfig({ DATA_DIR: dataDir }));

/** Every stored view as its JSON. */
async function viewsOf(dataDir: string): Promise<string[]> {
  const readStore = await servedStore(dataDir);
  try {
    const views: string[] = [];
    for await (const record of readStore.scanViews()) views.push(JSON.stringify(record));
    return views;
  } finally {
    await readStore.close();
  }
}

/** Every measures document of the embedded read store, the event ids of each bucket sorted (their order is arrival order). */
async function measuresOf(dataDir: string): Promise<Record<string, unknown>> {
  const readStore = await servedStore(dataDir);
  try {
    const names: string[] = [];
    for (let after: string | undefined; ; ) {
      const page = await readStore.listDocumentNames('measures:', { after, limit: 500 });
      names.push(...page.names);
      if (page.nextCursor === null) break;
      after = page.nextCursor;
    }
    const documents = await readStore.getDocuments(names);
    const sortIds = (value: unknown): unknown =>
      Array.isArray(value) ? value.map(sortIds) : value && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === 'eventIds' && Array.isArray(v) ? [...v].sort() : sortIds(v)]))
        : value;
    return Object.fromEntries(names.map((name) => [name, sortIds(documents.get(name)?.value)]));
  } finally {
    await readStore.close();
  }
}
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
      const liveMeasures = await measuresOf(dir.path);
      expect(Object.keys(liveMeasures).length).toBeGreaterThan(10);

      const rebuild = (...args: string[]) => rebuildWith({}, ...args);
      const rebuildWith = (env: Record<string, string>, ...args: string[]) =>
        run(process.execPath, ['-r', '@swc-node/register', '-r', 'tsconfig-paths/register', 'apps/platform/src/rebuild.ts', '--verify', '--no-progress', '--as-of', '2025-06-01T00:00:00Z', ...args], {
          cwd: ROOT,
          env: { ...process.env, DATA_DIR: dir.path, SWC_NODE_PROJECT: join(ROOT, 'tsconfig.json'), ...env },
        });
      // Write-back with every customer in memory (the default), with a bound forcing evictions, and off.
      for (const args of [[], ['--cache-views', '3'], ['--cache-views', '0']]) {
        const { stdout } = await rebuild(...args);
        expect(stdout).toMatch(new RegExp(`from ${events.length} events`));
        expect(stdout).toMatch(new RegExp(`checkpoint ${head};`));
        expect(stdout).toContain(`verify: the 40 views are identical`);
        // The call-centre measures too (the rebuild folds them in their own pass, in log order).
        expect(await measuresOf(dir.path)).toEqual(liveMeasures);
      }

      // kill -9 in the middle of the views, then the same command again: it resumes from its saved
      // progress and ends with the views and measures of an uninterrupted rebuild.
      const uninterrupted = await viewsOf(dir.path);
      const killed = await rebuildWith({ REBUILD_FAULT_KILL_AFTER_EVENTS: '120' }, '--save-every', '40', '--batch-size', '20', '--cache-views', '3').then(
        () => {
          throw new Error('the rebuild was not killed');
        },
        (error: { signal: string | null }) => error,
      );
      expect(killed.signal).toBe('SIGKILL');
      const resumed = await rebuild('--save-every', '40', '--batch-size', '20', '--cache-views', '3');
      expect(resumed.stdout).toMatch(/^resuming rebuild-\d+ \(started at .*\) in its views phase/m);
      expect(resumed.stdout).toMatch(new RegExp(`from ${events.length} events`));
      expect(resumed.stdout).toMatch(new RegExp(`checkpoint ${head};`));
      expect(await viewsOf(dir.path)).toEqual(uninterrupted);
      expect(await measuresOf(dir.path)).toEqual(liveMeasures);
      // A finished rebuild is not resumed: the next one starts from scratch (and can verify).
      expect((await rebuild()).stdout).toContain('verify: the 40 views are identical');

      // What-if: a candidate policy (inactivity after 60 days, not 180) replayed beside the live
      // views; it names who would move and why, and changes nothing.
      const policyFile = join(dir.path, 'candidate-policy.json');
      const candidate = { ...DEFAULT_POLICY, policyVersion: 'candidate-1', lifecycle: { ...DEFAULT_POLICY.lifecycle, dissolution: { ...DEFAULT_POLICY.lifecycle.dissolution, inactivityDays: 60 } } };
      writeFileSync(policyFile, JSON.stringify(candidate));
      const viewsBefore = await viewsOf(dir.path);
      const whatIf = async (file: string) => {
        const { stdout } = await run(
          process.execPath,
          ['-r', '@swc-node/register', '-r', 'tsconfig-paths/register', 'apps/platform/src/what-if.ts', '--policy', file, '--as-of', '2025-06-01T00:00:00Z', '--json', '--no-progress'],
          { cwd: ROOT, env: { ...process.env, DATA_DIR: dir.path, SWC_NODE_PROJECT: join(ROOT, 'tsconfig.json') } },
        );
        return JSON.parse(stdout) as WhatIfReport;
      };
      const report = await whatIf(policyFile);
      expect(report).toMatchObject({ population: 40, candidate: { policyVersion: 'candidate-1' } });
      const lifecycle = report.dimensions.lifecycleStage;
      expect(lifecycle.moved).toBeGreaterThan(0);
      const intoDissolution = lifecycle.cells.filter((c) => c.to === 'dissolution' && c.from !== 'dissolution');
      expect(intoDissolution.reduce((n, c) => n + c.customers, 0)).toBeGreaterThan(0);
      for (const cell of intoDissolution) for (const sample of cell.samples) expect(sample.rule).toBe('inactivity');
      expect(await viewsOf(dir.path)).toEqual(viewsBefore);
      // The current policy as the candidate: nobody moves.
      writeFileSync(policyFile, JSON.stringify(DEFAULT_POLICY));
      for (const d of Object.values((await whatIf(policyFile)).dimensions)) expect(d.moved).toBe(0);

      // A stored view that does not match its events (as an old bug would leave it): verify names
      // the customer and the field the rebuild corrected, and exits 2.
      const tampered = await servedStore(dir.path);
      const record = (await tampered.getView<ProjectedView<CustomerView>>('C-000003'))!;
      record.view.state.lifecycle.winBacks = 99;
      await tampered.commit({ views: [record] });
      await tampered.close();
      const differ = await rebuild().then(
        () => {
          throw new Error('rebuild --verify over a corrupted view exited 0');
        },
        (error: { code: number; stdout: string }) => error,
      );
      expect(differ.code).toBe(2);
      expect(differ.stdout).toContain('verify: views DIFFER');
      expect(differ.stdout).toMatch(/^1 customer\(s\) differ, 0 only after, 0 only before$/m);
      expect(differ.stdout).toMatch(/^ {2}lifecycle\.winBacks: 1 customer\(s\)$/m);
      expect(differ.stdout).toMatch(/^ {2}C-000003: lifecycle\.winBacks$/m);
    } finally {
      dir.remove();
    }
  });
});
