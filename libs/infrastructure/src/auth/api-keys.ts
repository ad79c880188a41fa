import { createHash, randomBytes } from 'node:crypto';

/**
 * What a key may do. `read-pii` includes `read`: it is `read` plus the personal data in views.
 * `admin` is the operator's: rebuilds, what-if, redrive, erasure, segment refresh.
 */
export const SCOPES = ['publish', 'read', 'read-pii', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** A rate: at most `limit` requests per `windowMs`. */
export interface Rate {
  limit: number;
  windowMs: number;
  text: string;
}

/** One configured key: who it is, what it may do, its hash (never the key itself). */
export interface ApiKeyEntry {
  name: string;
  scopes: ReadonlySet<Scope>;
  /** `sha256:<64 hex>` of the whole key string. */
  hash: string;
  /** Its own rate limit; undefined = RATE_LIMIT. */
  rate?: Rate;
}

/** The identity a request was authenticated as (request.principal). */
export interface Principal {
  name: string;
  scopes: ReadonlySet<Scope>;
  rate?: Rate;
}

const KEY_PREFIX = 'crm_';
const NAME = /^[A-Za-z0-9._-]{1,64}$/;
const HASH = /^sha256:[0-9a-f]{64}$/;
const RATE = /^([1-9]\d{0,8})\/(s|min|h)$/;
const WINDOW_MS = { s: 1_000, min: 60_000, h: 3_600_000 } as const;

/** A new key: `crm_` and 32 random bytes, base64url (256 bits: not guessable, not worth a slow hash). */
export function generateApiKey(): string {
  return `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** What the configuration keeps of a key. */
export function hashApiKey(key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

/** `1000/s` → 1000 per 1,000 ms; undefined when it does not parse. */
export function parseRate(text: string): Rate | undefined {
  const match = RATE.exec(text);
  if (!match) return undefined;
  return { limit: Number(match[1]), windowMs: WINDOW_MS[match[2] as keyof typeof WINDOW_MS], text };
}

/** The line that configures a key (API_KEYS, API_KEYS_FILE). */
export function keyLine(name: string, scopes: readonly Scope[], hash: string, rate?: string): string {
  return [name, scopes.join(','), hash, ...(rate ? [`rate=${rate}`] : [])].join(' ');
}

export class ApiKeyConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: ${problems.join('; ')}`);
    this.name = 'ApiKeyConfigError';
  }
}

/**
 * Parses key lines: `<name> <scope>[,<scope>…] sha256:<hex> [rate=<n>/<s|min|h>]`, one per line
 * or separated by `;`; blank lines and `#` comments are skipped. Every problem is named with its
 * line; names and hashes must be unique. `source` names where the text came from in errors.
 */
export function parseKeyLines(text: string, source: string): ApiKeyEntry[] {
  const entries: ApiKeyEntry[] = [];
  const problems: string[] = [];
  const names = new Set<string>();
  const hashes = new Set<string>();
  text.split(/[\n;]/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const where = `entry ${index + 1}`;
    const [name, scopeList, hash, ...options] = line.split(/\s+/);
    const lineProblems: string[] = [];
    if (!NAME.test(name)) lineProblems.push(`name ${JSON.stringify(name)} must be 1-64 letters, digits, . _ -`);
    const scopes = new Set<Scope>();
    for (const scope of (scopeList ?? '').split(',').filter((s) => s !== '')) {
      if ((SCOPES as readonly string[]).includes(scope)) scopes.add(scope as Scope);
      else lineProblems.push(`unknown scope ${JSON.stringify(scope)} (scopes: ${SCOPES.join(', ')})`);
    }
    if (scopes.size === 0 && lineProblems.length === 0) lineProblems.push('no scope');
    if (hash === undefined || !HASH.test(hash)) {
      lineProblems.push(hash !== undefined && hash.startsWith(KEY_PREFIX) ? 'the third field is a key, not its hash (npm run keys -- hash)' : 'the third field must be sha256:<64 lowercase hex> (npm run keys -- create)');
    }
    let rate: Rate | undefined;
    for (const option of options) {
      const value = /^rate=(.*)$/.exec(option)?.[1];
      if (value === undefined) lineProblems.push(`unknown option ${JSON.stringify(option)} (only rate=<n>/<s|min|h>)`);
      else if ((rate = parseRate(value)) === undefined) lineProblems.push(`rate ${JSON.stringify(value)} must look like 1000/s, 6000/min or 100000/h`);
    }
    if (names.has(name)) lineProblems.push(`name ${JSON.stringify(name)} used twice`);
    if (hash !== undefined && hashes.has(hash)) lineProblems.push('the same key hash is configured twice');
    names.add(name);
    if (hash !== undefined) hashes.add(hash);
    if (lineProblems.length > 0) problems.push(`${where} (${JSON.stringify(name ?? '')}): ${lineProblems.join(', ')}`);
    else entries.push({ name, scopes: implied(scopes), hash, ...(rate ? { rate } : {}) });
  });
  if (problems.length === 0 && entries.length === 0) problems.push('no key configured');
  if (problems.length > 0) throw new ApiKeyConfigError(source, problems);
  return entries;
}

/** read-pii includes read. */
function implied(scopes: Set<Scope>): ReadonlySet<Scope> {
  if (scopes.has('read-pii')) scopes.add('read');
  return scopes;
}

/** The key a request presents: `Authorization: Bearer <key>` or `X-API-Key: <key>`; undefined when none. */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
    // Another scheme (Basic …) or a malformed header is a key that cannot match.
    return match ? match[1] : authorization;
  }
  const header = headers['x-api-key'];
  return typeof header === 'string' ? header.trim() : undefined;
}
