import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Where the page and its scripts live, relative to the repository root (tsc copies no HTML into dist). */
export const DASHBOARD_DIR = join('apps', 'query-api', 'dashboard');

/** A file the dashboard controller serves: its URL name under /dashboard/, its path on disk and media type. */
export interface DashboardAsset {
  path: string;
  contentType: string;
  /** Cache-Control: our own files are revalidated on every load, chart.js is versioned by the package. */
  cacheControl: string;
}

/**
 * The repository root: the nearest folder at or above `from` holding a package.json. The
 * sources under jest (apps/query-api/src/dashboard) and the build (dist/apps/query-api/src/dashboard,
 * dist holds no package.json) find the same root; null when there is none.
 */
export function findRepositoryRoot(from: string): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return null;
  }
}

/** chart.js's browser build, next to the entry node resolves (the package exports no dist/ subpath). */
export function chartJsPath(resolve: (id: string) => string = require.resolve): string | null {
  try {
    return join(dirname(resolve('chart.js')), 'chart.umd.js');
  } catch {
    return null;
  }
}

const OWN = 'no-cache';
const VENDOR = 'public, max-age=86400';

/**
 * The files of the dashboard by URL name (a fixed table: no path from the request ever reaches
 * the file system), or the reason they cannot be served (e.g. an image that copied dist/ but not
 * apps/query-api/dashboard/).
 */
export function dashboardAssets(from: string = __dirname): { assets: Map<string, DashboardAsset> } | { missing: string } {
  const root = findRepositoryRoot(from);
  if (root === null) return { missing: `no package.json at or above ${from}` };
  const dir = join(root, DASHBOARD_DIR);
  const chart = chartJsPath();
  const assets = new Map<string, DashboardAsset>([
    ['index.html', { path: join(dir, 'index.html'), contentType: 'text/html; charset=utf-8', cacheControl: OWN }],
    ['dashboard.css', { path: join(dir, 'dashboard.css'), contentType: 'text/css; charset=utf-8', cacheControl: OWN }],
    ['dashboard.js', { path: join(dir, 'dashboard.js'), contentType: 'text/javascript; charset=utf-8', cacheControl: OWN }],
    ['api.js', { path: join(dir, 'api.js'), contentType: 'text/javascript; charset=utf-8', cacheControl: OWN }],
  ]);
  if (chart !== null) assets.set('chart.umd.js', { path: chart, contentType: 'text/javascript; charset=utf-8', cacheControl: VENDOR });
  const absent = [...assets.values()].map((a) => a.path).filter((path) => !existsSync(path));
  if (chart === null) absent.push('chart.js (node_modules/chart.js)');
  return absent.length > 0 ? { missing: absent.join(', ') } : { assets };
}
