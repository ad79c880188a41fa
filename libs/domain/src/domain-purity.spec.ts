import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

// The lint rule keeps framework imports out of libs/domain's source; this proves it at run time:
// a clean Node process loads the domain and lists every module that came with it.
const ROOT = join(__dirname, '..', '..', '..');
const FORBIDDEN = /node_modules[\\/](@nestjs[\\/]|class-validator[\\/]|class-transformer[\\/]|ioredis[\\/]|kafkajs[\\/]|@eventstore[\\/]|better-sqlite3[\\/])/;

const LIST_LOADED = `
  const domain = require(process.argv[1]);
  if (typeof domain.evolve !== 'function') throw new Error('the domain did not load');
  process.stdout.write(JSON.stringify(Object.keys(require.cache)));
`;

function modulesLoadedBy(preload: string[], entry: string): string[] {
  const result = spawnSync(process.execPath, [...preload.flatMap((p) => ['-r', p]), '-e', LIST_LOADED, entry], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') },
  });
  if (result.status !== 0) throw new Error(`loading ${entry} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as string[];
}

describe('the domain is pure at run time', () => {
  it('loading the domain from source brings no framework, validator or client module', () => {
    const loaded = modulesLoadedBy(['@swc-node/register', 'tsconfig-paths/register'], join(ROOT, 'libs/domain/src/index.ts'));
    expect(loaded.some((m) => m.includes(join('libs', 'contracts', 'src')))).toBe(true);
    expect(loaded.filter((m) => FORBIDDEN.test(m))).toEqual([]);
  });

  const built = join(ROOT, 'dist/libs/domain/src/index.js');
  // The built output exists after `npm run build` (CI builds before it tests).
  if (existsSync(built)) {
    it('loading the built domain brings no framework, validator or client module', () => {
      const loaded = modulesLoadedBy([join(ROOT, 'tools/register-paths.js')], built);
      expect(loaded.some((m) => m.includes(join('dist', 'libs', 'contracts')))).toBe(true);
      expect(loaded.filter((m) => FORBIDDEN.test(m))).toEqual([]);
    });
  } else {
    it.todo('loading the built domain brings no framework module (run `npm run build` first)');
  }
});
