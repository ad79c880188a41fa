import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, clientApiKey, localKeyFiles } from '@crm/config';
import { ApiKeyRegistry, ensureLocalKeys } from './api-key-registry';
import { ApiKeyConfigError, generateApiKey, hashApiKey, keyLine, parseKeyLines, parseRate, presentedKey } from './api-keys';
import { RateWindows } from './rate-limit';

const HASH = hashApiKey('crm_example');

function problemsOf(text: string): string {
  try {
    parseKeyLines(text, 'test');
  } catch (error) {
    expect(error).toBeInstanceOf(ApiKeyConfigError);
    return (error as ApiKeyConfigError).problems.join('\n');
  }
  throw new Error(`accepted ${JSON.stringify(text)}`);
}

describe('API key lines', () => {
  it('parses names, scopes, hashes and rates; skips comments and blank lines; read-pii includes read', () => {
    const entries = parseKeyLines(`# the publishers\npublisher publish ${HASH}\n\nanalyst read-pii ${hashApiKey('b')} rate=50/min # team B\n`, 'test');
    expect(entries.map((e) => ({ name: e.name, scopes: [...e.scopes].sort(), rate: e.rate?.text }))).toEqual([
      { name: 'publisher', scopes: ['publish'], rate: undefined },
      { name: 'analyst', scopes: ['read', 'read-pii'], rate: '50/min' },
    ]);
  });

  it('takes ; as a separator (one environment variable)', () => {
    expect(parseKeyLines(`a publish ${HASH};b read ${hashApiKey('b')}`, 'API_KEYS').map((e) => e.name)).toEqual(['a', 'b']);
  });

  it.each([
    [`bad/name publish ${HASH}`, 'name "bad/name" must be 1-64 letters'],
    [`a write ${HASH}`, 'unknown scope "write" (scopes: publish, read, read-pii, admin)'],
    [`a publish`, 'the third field must be sha256:<64 lowercase hex>'],
    [`a publish crm_abc`, 'the third field is a key, not its hash'],
    [`a publish sha256:ABC`, 'the third field must be sha256'],
    [`a publish ${HASH} rate=fast`, 'rate "fast" must look like 1000/s'],
    [`a publish ${HASH} burst=3`, 'unknown option "burst=3"'],
    [`a publish ${HASH};a read ${hashApiKey('x')}`, 'name "a" used twice'],
    [`a publish ${HASH};b read ${HASH}`, 'the same key hash is configured twice'],
    ['# nothing', 'no key configured'],
  ])('refuses %j, naming the entry and the problem', (text, message) => {
    expect(problemsOf(text)).toContain(message);
  });

  it('names every bad entry at once', () => {
    expect(problemsOf(`a write ${HASH}\nb publish nohash`)).toMatch(/entry 1 \("a"\)[\s\S]*entry 2 \("b"\)/);
  });

  it('generates keys that differ, hashes them, and writes the line that configures them', () => {
    const [a, b] = [generateApiKey(), generateApiKey()];
    expect(a).toMatch(/^crm_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(hashApiKey(a)).toMatch(/^sha256:[0-9a-f]{64}$/);
    const line = keyLine('ops', ['admin', 'read'], hashApiKey(a), '10/s');
    expect(parseKeyLines(line, 'test')[0]).toMatchObject({ name: 'ops', hash: hashApiKey(a), rate: { limit: 10, windowMs: 1000 } });
  });

  it('parses rates per second, minute and hour', () => {
    expect(parseRate('5/s')).toMatchObject({ limit: 5, windowMs: 1000 });
    expect(parseRate('6000/min')).toMatchObject({ limit: 6000, windowMs: 60_000 });
    expect(parseRate('1/h')).toMatchObject({ limit: 1, windowMs: 3_600_000 });
    expect(parseRate('0/s')).toBeUndefined();
  });

  it('reads the key from Authorization: Bearer or X-API-Key; another scheme is a key that cannot match', () => {
    expect(presentedKey({ authorization: 'Bearer crm_x' })).toBe('crm_x');
    expect(presentedKey({ authorization: 'bearer   crm_x ' })).toBe('crm_x');
    expect(presentedKey({ 'x-api-key': ' crm_y ' })).toBe('crm_y');
    expect(presentedKey({ authorization: 'Basic dXNlcjpwYXNz' })).toBe('Basic dXNlcjpwYXNz');
    expect(presentedKey({})).toBeUndefined();
  });
});

describe('ApiKeyRegistry', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'crm-keys-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('authenticates a configured key by its hash, and nothing else', () => {
    const key = generateApiKey();
    const registry = ApiKeyRegistry.fromConfig({ API_KEYS: keyLine('ops', ['admin'], hashApiKey(key)), CRM_MODE: 'distributed', DATA_DIR: dir, API_KEYS_FILE: undefined });
    expect(registry.authenticate(key)).toMatchObject({ name: 'ops' });
    expect(registry.authenticate(`${key}x`)).toBeUndefined();
    expect(registry.authenticate(hashApiKey(key))).toBeUndefined();
  });

  it('fails the start with a ConfigError naming the variable and the entry', () => {
    expect(() => ApiKeyRegistry.fromConfig({ API_KEYS: 'ops admin nohash', CRM_MODE: 'embedded', DATA_DIR: dir, API_KEYS_FILE: undefined })).toThrow(ConfigError);
    expect(() => ApiKeyRegistry.fromConfig({ API_KEYS: undefined, API_KEYS_FILE: join(dir, 'missing'), CRM_MODE: 'embedded', DATA_DIR: dir })).toThrow(/API_KEYS_FILE: cannot read .* \(not found\)/);
  });

  it('generates one key with every scope on the first embedded start, keeps only its hash in the keys file, and reuses it after', () => {
    const registry = ApiKeyRegistry.fromConfig({ API_KEYS: undefined, API_KEYS_FILE: undefined, CRM_MODE: 'embedded', DATA_DIR: dir }, { watch: false });
    const key = clientApiKey({}, dir)!;
    expect(key).toMatch(/^crm_/);
    expect([...registry.authenticate(key)!.scopes].sort()).toEqual(['admin', 'publish', 'read', 'read-pii']);
    const { keysFile, generatedKeyFile } = localKeyFiles(dir);
    expect(readFileSync(keysFile, 'utf8')).not.toContain(key);
    expect(readFileSync(keysFile, 'utf8')).toContain(hashApiKey(key));
    expect(statSync(generatedKeyFile).mode & 0o777).toBe(0o600);
    expect(ensureLocalKeys(dir)).toBe(keysFile);
    expect(clientApiKey({}, dir)).toBe(key);
    expect(clientApiKey({ CRM_API_KEY: 'crm_env' }, dir)).toBe('crm_env');
  });

  it('re-reads a key file when it changes (rotation without restart) and keeps the old keys when the new file is bad', async () => {
    const file = join(dir, 'keys.conf');
    const [oldKey, newKey] = [generateApiKey(), generateApiKey()];
    writeFileSync(file, keyLine('old', ['read'], hashApiKey(oldKey)));
    const registry = ApiKeyRegistry.fromConfig({ API_KEYS: undefined, API_KEYS_FILE: file, CRM_MODE: 'distributed', DATA_DIR: dir });
    try {
      expect(registry.authenticate(oldKey)).toBeDefined();
      writeFileSync(file, `${keyLine('new', ['read'], hashApiKey(newKey))}\n`);
      await waitUntil(() => registry.authenticate(newKey) !== undefined);
      expect(registry.authenticate(oldKey)).toBeUndefined();
      writeFileSync(file, 'new read not-a-hash-and-longer\n');
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(registry.authenticate(newKey)).toMatchObject({ name: 'new' });
    } finally {
      registry.close();
    }
  }, 15_000);
});

describe('RateWindows', () => {
  it('counts per key within a window, limits above it with the seconds left, and starts again after it', () => {
    let now = 1_000_000;
    const windows = new RateWindows(() => now);
    const perSecond = { limit: 3, windowMs: 1000 };
    for (let i = 1; i <= 3; i++) expect(windows.hit('a', perSecond)).toEqual({ hits: i, limited: false, secondsLeft: 1 });
    expect(windows.hit('a', perSecond)).toEqual({ hits: 4, limited: true, secondsLeft: 1 });
    expect(windows.hit('b', perSecond)).toMatchObject({ hits: 1, limited: false });
    now += 999;
    expect(windows.hit('a', perSecond)).toMatchObject({ hits: 5, limited: true });
    now += 1;
    expect(windows.hit('a', perSecond)).toMatchObject({ hits: 1, limited: false });
    const perMinute = { limit: 1, windowMs: 60_000 };
    expect(windows.hit('c', perMinute)).toEqual({ hits: 1, limited: false, secondsLeft: 60 });
    now += 1500;
    expect(windows.hit('c', perMinute)).toEqual({ hits: 2, limited: true, secondsLeft: 59 });
  });
});

async function waitUntil(predicate: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
