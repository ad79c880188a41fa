/**
 * CLI: generate a deterministic call-centre history and publish it to the ingest API.
 *   npm run simulate -- --customers 1000 --days 365 --seed 42
 * See README.md for every option.
 */
import 'reflect-metadata';
import { Command, InvalidArgumentError } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { clientApiKey } from '@crm/config';
import { MAX_BATCH_SIZE, ProgressReporter, SimulationError, formatSummaryTable, historyStart, runSimulation } from './run-simulation';

const integer = (min: number, max = Number.MAX_SAFE_INTEGER) => (value: string) => {
  const parsed = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
  }
  return parsed;
};

const share = (value: string) => {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0 || parsed >= 1) throw new InvalidArgumentError('expected a number in [0, 1)');
  return parsed;
};

/** A cli-progress bar on stderr (stdout stays clean for the summary). */
function progressBar(): ProgressReporter {
  const bar = new SingleBar(
    {
      format: 'events |{bar}| {percentage}% {value}/{total} | {rate} ev/s | ETA {eta_formatted}',
      stream: process.stderr,
      etaBuffer: 50,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  let startedAt = 0;
  return {
    start(total) {
      startedAt = performance.now();
      // Without a counting pass the total is unknown: show the count only.
      bar.start(total ?? 0, 0, { rate: 0 });
    },
    update(done) {
      const seconds = (performance.now() - startedAt) / 1000;
      if (bar.getTotal() === 0) bar.setTotal(done);
      bar.update(done, { rate: seconds > 0 ? Math.round(done / seconds) : 0 });
    },
    stop() {
      bar.stop();
    },
  };
}

async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name('simulate')
    .description('Generate a deterministic call-centre history and POST it to the ingest API (or write / count it).')
    .option('--customers <n>', 'number of customers', integer(0), 1000)
    .option('--days <n>', 'number of simulated days', integer(0), 365)
    .option('--seed <n>', 'PRNG seed: the same seed gives the same events and eventIds', integer(0), 42)
    .option('--start <iso>', 'first simulated instant (ISO 8601; default: --days before --end)')
    .option('--end <iso>', 'end of the simulated window when --start is not given (default: today, 00:00 UTC)')
    .option('--late-share <x>', 'share of events that arrive late (occurredAt in the past)', share, 0.01)
    .option('--customer-id-prefix <prefix>', 'prefix of customer ids', 'C-')
    .option('--url <base>', 'base URL of the ingest API', `http://localhost:${process.env.PORT ?? 3000}`)
    .option('--api-key <key>', 'API key with the publish scope (default: CRM_API_KEY, else the key the embedded platform generated in DATA_DIR)')
    .option('--batch-size <n>', `events per request (at most ${MAX_BATCH_SIZE})`, integer(1, MAX_BATCH_SIZE), 500)
    .option('--concurrency <n>', 'parallel lanes (each customer stays in one lane, in order)', integer(1, 256), 4)
    .option('--max-retries <n>', 'retries of a batch on network errors, 429 and 5xx', integer(0, 100), 8)
    .option('--dry-run', 'generate and print the counts only', false)
    .option('--out <file>', 'write the events as NDJSON to this file instead of posting')
    .option('--no-progress', 'no progress bar (and no counting pass)')
    .parse(argv);
  const o = program.opts<{
    customers: number;
    days: number;
    seed: number;
    start?: string;
    end?: string;
    lateShare: number;
    customerIdPrefix: string;
    url: string;
    apiKey?: string;
    batchSize: number;
    concurrency: number;
    maxRetries: number;
    dryRun: boolean;
    out?: string;
    progress: boolean;
  }>();

  const showProgress = o.progress && !o.dryRun && process.stderr.isTTY === true;
  try {
    const start = historyStart(o, Date.now());
    const summary = await runSimulation(
      {
        customers: o.customers,
        days: o.days,
        seed: o.seed,
        start,
        lateShare: o.lateShare,
        customerIdPrefix: o.customerIdPrefix,
        url: o.url,
        apiKey: o.apiKey ?? clientApiKey(process.env, process.env.DATA_DIR || './data'),
        batchSize: o.batchSize,
        concurrency: o.concurrency,
        maxRetries: o.maxRetries,
        dryRun: o.dryRun,
        ...(o.out !== undefined ? { out: o.out } : {}),
      },
      {
        ...(showProgress ? { progress: progressBar() } : {}),
        log: (line) => process.stderr.write(`${line}\n`),
      },
    );
    const target = summary.mode === 'post' ? ` -> ${o.url}` : summary.mode === 'file' ? ` -> ${o.out}` : ' (dry run)';
    process.stdout.write(`simulated ${o.customers} customers x ${o.days} days from ${start}, seed ${o.seed}${target}\n${formatSummaryTable(summary)}\n`);
    const refused = summary.rejected + summary.conflicts + summary.failed;
    if (refused > 0) {
      // The generator only produces valid events, so any refusal is worth a non-zero exit.
      process.stderr.write(`${refused} events were not stored (rejected, conflicts or failures; see the log above)\n`);
      return 1;
    }
    return 0;
  } catch (error) {
    if (error instanceof SimulationError) {
      process.stderr.write(`simulate: ${error.message}\n`);
      if (error.problem !== undefined) {
        process.stderr.write(`${typeof error.problem === 'string' ? error.problem : JSON.stringify(error.problem, null, 2)}\n`);
      }
      return 1;
    }
    throw error;
  }
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`simulate: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
