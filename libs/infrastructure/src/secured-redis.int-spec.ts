import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { loadConfig } from '@crm/config';
import { openReadStore } from './open-read-store';

/**
 * The Redis read store over a secured connection, from the configuration down to the server:
 * a redis-server of this test's own (never the shared one on 6379), with `requirepass`, an ACL
 * user and a TLS port whose certificate comes from a CA made here with openssl. Needs
 * `redis-server` (as infra/redis/start.sh) and `openssl` on the PATH; fails, not skips, without.
 */
const PASSWORD = 'default-pw-9f3b';
const USER = 'crm';
const USER_PASSWORD = 'crm-pw:@/7c1e';

let dir: string;
let server: ChildProcess | undefined;
let serverLog = '';
let port: number;
let tlsPort: number;

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port: found } = probe.address() as { port: number };
      probe.close(() => resolve(found));
    });
  });

function requireCommand(command: string, args: string[]): void {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
  } catch {
    throw new Error(`${command} is needed by this integration test (not found or not working); install it (CI installs redis-server for infra/redis/start.sh)`);
  }
}

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

beforeAll(async () => {
  requireCommand('redis-server', ['--version']);
  requireCommand('openssl', ['version']);
  dir = mkdtempSync(join(tmpdir(), 'crm-secured-redis-'));
  // A private CA and a server certificate for 127.0.0.1 signed by it.
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=crm-test-ca');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'san.ext');

  port = await freePort();
  tlsPort = await freePort();
  writeFileSync(
    join(dir, 'redis.conf'),
    [
      'bind 127.0.0.1',
      `port ${port}`,
      `tls-port ${tlsPort}`,
      `tls-cert-file ${join(dir, 'server.pem')}`,
      `tls-key-file ${join(dir, 'server.key')}`,
      `tls-ca-cert-file ${join(dir, 'ca.pem')}`,
      'tls-auth-clients no',
      `dir ${dir}`,
      'save ""',
      'appendonly no',
      `requirepass ${PASSWORD}`,
      `user ${USER} on >${USER_PASSWORD} ~* &* +@all`,
      '',
    ].join('\n'),
  );
  server = spawn('redis-server', [join(dir, 'redis.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const child = server;
  // Up when it says so on its log (a client probing before would leave ioredis timers behind).
  await new Promise<void>((resolve, reject) => {
    const timeout = setTimeout(() => reject(new Error(`the test's redis-server did not start within 15 s:\n${serverLog}`)), 15_000);
    const onData = (chunk: Buffer) => {
      serverLog += chunk.toString();
      if (serverLog.includes('Ready to accept connections')) {
        clearTimeout(timeout);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timeout);
      reject(new Error(`the test's redis-server exited (${code}):\n${serverLog}`));
    });
  });
}, 60_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
  // ioredis's disconnect() of a connection the server already closed (the refused ones above)
  // leaves its 2 s disconnectTimeout timer running: let it end, so Jest exits cleanly.
  await new Promise((resolve) => setTimeout(resolve, 2100));
}, 10_000);

const env = (extra: Record<string, string>) => ({ READ_STORE: 'redis', REDIS_KEY_PREFIX: 'crm-secured-test:', GENERATION_POLL_MS: '60000', ...extra });

/** Opens the configured read store, writes and reads a checkpoint through it, closes it. */
async function roundTrip(extra: Record<string, string>): Promise<number> {
  const store = await openReadStore(loadConfig(env(extra)));
  try {
    await store.commit({ views: [], checkpoint: { name: 'secured', position: 42 } });
    return await store.getCheckpoint('secured');
  } finally {
    await store.close();
  }
}

/** The error opening the configured read store fails with, as runService would print it. */
async function failure(extra: Record<string, string>): Promise<string> {
  try {
    const store = await openReadStore(loadConfig(env(extra)));
    await store.close();
  } catch (error) {
    return inspect(error);
  }
  throw new Error('the read store opened');
}

describe('Redis with a password, an ACL user and TLS', () => {
  it('connects with REDIS_PASSWORD (requirepass), and with the password in REDIS_URL', async () => {
    expect(await roundTrip({ REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_PASSWORD: PASSWORD })).toBe(42);
    expect(await roundTrip({ REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${port}` })).toBe(42);
  });

  it('connects as an ACL user, its password with URL-reserved characters', async () => {
    expect(await roundTrip({ REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_USERNAME: USER, REDIS_PASSWORD: USER_PASSWORD })).toBe(42);
    expect(await roundTrip({ REDIS_URL: `redis://${USER}:${encodeURIComponent(USER_PASSWORD)}@127.0.0.1:${port}` })).toBe(42);
  });

  it('connects over TLS to a certificate of a private CA given by REDIS_TLS_CA_FILE', async () => {
    expect(await roundTrip({ REDIS_URL: `rediss://127.0.0.1:${tlsPort}`, REDIS_TLS_CA_FILE: join(dir, 'ca.pem'), REDIS_USERNAME: USER, REDIS_PASSWORD: USER_PASSWORD })).toBe(42);
  });

  it('refuses the server certificate without the CA', async () => {
    const printed = await failure({ REDIS_URL: `rediss://127.0.0.1:${tlsPort}`, REDIS_PASSWORD: PASSWORD });
    expect(printed).toMatch(/cannot connect to 127\.0\.0\.1:\d+: .*(self[- ]signed|unable to (get|verify))/i);
  });

  it('fails at start on a wrong or missing password, and the error never shows the password', async () => {
    const wrong = await failure({ REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_USERNAME: USER, REDIS_PASSWORD: 'not-the-password-5e2a' });
    expect(wrong).toMatch(/cannot connect to 127\.0\.0\.1:\d+: WRONGPASS/);
    expect(wrong).not.toContain('not-the-password-5e2a');
    const inUrl = await failure({ REDIS_URL: `redis://:not-the-password-5e2a@127.0.0.1:${port}` });
    expect(inUrl).toMatch(/WRONGPASS/);
    expect(inUrl).not.toContain('not-the-password-5e2a');
    expect(await failure({ REDIS_URL: `redis://127.0.0.1:${port}` })).toMatch(/cannot connect to 127\.0\.0\.1:\d+: NOAUTH/);
  });
});
