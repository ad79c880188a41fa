// Test-only loader for the CDNOW reference data, kept in the repository (fixtures/cdnow/README.md says what it is).
import * as fs from 'node:fs';
import * as path from 'node:path';

export const CDNOW_FIXTURES_DIR = path.resolve(__dirname, '..', 'fixtures', 'cdnow');

function readCsv(file: string): number[][] {
  const full = path.join(CDNOW_FIXTURES_DIR, file);
  // A missing file must fail the suite loudly, never skip it.
  if (!fs.existsSync(full)) throw new Error(`CDNOW reference data not found at ${full}`);
  return fs
    .readFileSync(full, 'utf8')
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((line) => line.split(',').map(Number));
}

export const loadCdnowSummary = (): { id: number; x: number; tx: number; T: number }[] =>
  readCsv('cdnow_customers_summary.csv').map(([id, x, tx, T]) => ({ id, x, tx, T }));

export const loadCdnowWithSpend = (): { id: number; x: number; tx: number; T: number; zbar: number }[] =>
  readCsv('cdnow_customers_summary_with_transactions.csv').map(([id, x, tx, T, zbar]) => ({ id, x, tx, T, zbar }));
