import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@crm/testing';
import { DASHBOARD_DIR, chartJsPath, dashboardAssets, findRepositoryRoot } from './dashboard-assets';

const ROOT = join(__dirname, '..', '..', '..', '..');
const FILES = ['api.js', 'chart.umd.js', 'dashboard.css', 'dashboard.js', 'index.html'];

describe('the dashboard files', () => {
  it('are found from the sources (jest) and from the build (dist/, which holds no package.json), at the same root', () => {
    const built = join(ROOT, 'dist', 'apps', 'query-api', 'src', 'dashboard');
    expect(findRepositoryRoot(__dirname)).toBe(ROOT);
    expect(findRepositoryRoot(built)).toBe(ROOT);
    for (const from of [__dirname, built]) {
      const found = dashboardAssets(from);
      if (!('assets' in found)) throw new Error(`missing from ${from}: ${found.missing}`);
      expect([...found.assets.keys()].sort()).toEqual(FILES);
      expect(found.assets.get('index.html')!.path).toBe(join(ROOT, DASHBOARD_DIR, 'index.html'));
    }
  });

  it("serve chart.js's browser build (UMD, defining the Chart global) from node_modules", () => {
    const path = chartJsPath()!;
    expect(path).toBe(join(ROOT, 'node_modules', 'chart.js', 'dist', 'chart.umd.js'));
    const head = readFileSync(path, 'utf8').slice(0, 600);
    expect(head).toMatch(/Chart\.js v4\./);
    expect(head).toMatch(/\.Chart\s*=/);
    expect(chartJsPath(() => { throw new Error('not installed'); })).toBeNull();
  });

  it('say what is missing when a deployment lacks them (e.g. only dist/ was copied)', () => {
    const dir = tempDir('crm-dashboard-assets-');
    try {
      writeFileSync(join(dir.path, 'package.json'), '{}');
      mkdirSync(join(dir.path, 'dist'));
      const found = dashboardAssets(join(dir.path, 'dist'));
      expect(found).toEqual({ missing: expect.stringContaining(join(dir.path, DASHBOARD_DIR, 'index.html')) });
    } finally {
      dir.remove();
    }
  });
});
