import 'reflect-metadata';
import { Command, InvalidArgumentError } from 'commander';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { AppConfig, ConfigError, loadConfig } from '@crm/config';
import { SCOPES, Scope, ensureLocalKeys, generateApiKey, hashApiKey, keyLine, parseKeyLines, parseRate } from '@crm/infrastructure';

/**
 * npm run keys -- create --name <name> --scopes <scope,…> [--rate 100/s] [--add] | hash | list:
 * API keys. The platform keeps only their hashes (API_KEYS, API_KEYS_FILE, or in embedded mode
 * DATA_DIR/api-keys.conf), so the key is printed once, here, and never again.
 */
function main(): void {
  const program = new Command('keys').description('Create and inspect API keys (the platform stores only their hashes)');
  program
    .command('create')
    .description('make a key: prints the key (once) and the line that configures it')
    .requiredOption('--name <name>', 'who uses it (letters, digits, . _ -): named in logs, 403s and rate limits')
    .requiredOption('--scopes <scopes>', `comma-separated: ${SCOPES.join(', ')}`, parseScopes)
    .option('--rate <rate>', 'its own rate limit instead of RATE_LIMIT: <n>/s, <n>/min or <n>/h', (value) => {
      if (parseRate(value) === undefined) throw new InvalidArgumentError('must look like 1000/s, 6000/min or 100000/h');
      return value;
    })
    .option('--add [file]', 'append the line to a key file (default API_KEYS_FILE, else DATA_DIR/api-keys.conf): a running platform picks it up within a second')
    .action((options: { name: string; scopes: Scope[]; rate?: string; add?: string | boolean }) => {
      const key = generateApiKey();
      const line = keyLine(options.name, options.scopes, hashApiKey(key), options.rate);
      if (options.add !== undefined) {
        const file = typeof options.add === 'string' ? options.add : keyFileOfConfig(loadConfig());
        const existing = existsSync(file) ? readFileSync(file, 'utf8') : '';
        // Refused before anything is written: the file must still parse with the new line.
        parseKeyLines(`${existing}\n${line}`, file);
        appendFileSync(file, `${existing === '' || existing.endsWith('\n') ? '' : '\n'}${line}\n`, { mode: 0o600 });
        console.log(`added to ${file}:\n  ${line}`);
      } else {
        console.log(`configure it with this line (API_KEYS, API_KEYS_FILE or DATA_DIR/api-keys.conf):\n  ${line}`);
      }
      console.log(`the key (shown only now; send it as "Authorization: Bearer <key>"):\n  ${key}`);
    });
  program
    .command('hash')
    .description('the sha256:<hex> of a key read from standard input (to configure a key made elsewhere)')
    .action(() => {
      const key = readFileSync(0, 'utf8').trim();
      if (key === '') throw new InvalidArgumentError('no key on standard input');
      console.log(hashApiKey(key));
    });
  program
    .command('list')
    .description('the keys configured (names, scopes, rates: never keys)')
    .action(() => {
      const config = loadConfig();
      const source = config.API_KEYS ? 'API_KEYS' : keyFileOfConfig(config);
      const text = config.API_KEYS ?? readFileSync(source, 'utf8');
      for (const entry of parseKeyLines(text, source)) {
        console.log(`${entry.name.padEnd(24)} ${[...entry.scopes].join(',').padEnd(32)} ${entry.rate ? `rate ${entry.rate.text}` : 'rate RATE_LIMIT'}`);
      }
    });
  program.parse();
}

function parseScopes(value: string): Scope[] {
  const scopes = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0 || scopes.length === 0) throw new InvalidArgumentError(`scopes are ${SCOPES.join(', ')}${unknown.length > 0 ? `; unknown: ${unknown.join(', ')}` : ''}`);
  return scopes as Scope[];
}

/** API_KEYS_FILE, else the embedded data directory's file (made with its generated key if it is new). */
function keyFileOfConfig(config: AppConfig): string {
  if (config.API_KEYS_FILE) return config.API_KEYS_FILE;
  if (config.CRM_MODE !== 'embedded') throw new ConfigError(['API_KEYS_FILE=(unset): give --add <file>, or set API_KEYS_FILE']);
  return ensureLocalKeys(config.DATA_DIR);
}

try {
  main();
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
