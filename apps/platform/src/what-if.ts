import 'reflect-metadata';
import { Presets, SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { ConfigError, loadConfig } from '@crm/config';
import { openEventStore, openReadStore } from '@crm/infrastructure';
import { WHAT_IF_DIMENSIONS, WhatIfReport, createCustomerProjection, whatIf } from '@crm/projection';

/**
 * npm run what-if -- --policy candidate.json [--as-of …] [--json]: what a policy change would do
 * before it is made. Every customer's events replayed under the candidate policy beside its live
 * view, both as of one instant; prints per lifecycle stage, trust stage, loyalty stage and tier
 * who would move where (with a few customers per move and the rule that moves them) and the
 * change in customer equity. Reads only: the live views are not touched, and the platform may
 * keep running. `npm run rebuild` with POLICY_FILE=candidate.json then switches to it.
 */
async function main(): Promise<void> {
  const options = new Command('what-if')
    .description('Replay the history under a candidate policy and report what would change, without touching the live views')
    .requiredOption('--policy <file>', 'the candidate policy (JSON, the POLICY_FILE format)')
    .option('--as-of <iso>', 'compare both sides as of this instant (default: now)')
    .option('--samples <n>', 'customers listed per move', (v) => Number.parseInt(v, 10), 5)
    .option('--json', 'print the whole report as JSON')
    .option('--no-progress', 'no progress bar (for logs)')
    .parse()
    .opts<{ policy: string; asOf?: string; samples: number; json?: boolean; progress: boolean }>();
  if (!Number.isSafeInteger(options.samples) || options.samples < 0) throw new ConfigError([`--samples must be a non-negative integer, got ${options.samples}`]);
  const asOfMs = options.asOf === undefined ? Date.now() : Date.parse(options.asOf);
  if (!Number.isFinite(asOfMs)) throw new ConfigError([`--as-of must be an ISO 8601 instant, got ${options.asOf}`]);
  const config = loadConfig();
  const current = createCustomerProjection(config.POLICY_FILE);
  const candidate = createCustomerProjection(options.policy);
  const eventStore = await openEventStore(config);
  const readStore = await openReadStore(config);
  try {
    const total = await readStore.countViews();
    const bar = new SingleBar({ format: 'what-if |{bar}| {value}/{total} customers | ETA {eta_formatted}', hideCursor: true, stream: process.stderr }, Presets.shades_classic);
    if (options.progress) bar.start(total, 0);
    const report = await whatIf({
      eventStore,
      readStore,
      current,
      candidate,
      asOf: new Date(asOfMs).toISOString(),
      samplesPerCell: options.samples,
      onProgress: options.progress ? (done) => bar.update(done) : undefined,
    });
    if (options.progress) bar.stop();
    console.log(options.json ? JSON.stringify(report, null, 2) : describe(report).join('\n'));
  } finally {
    await eventStore.close();
    await readStore.close();
  }
}

const money = (minor: number) => (minor / 100).toLocaleString('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 });

function describe(report: WhatIfReport): string[] {
  const lines = [
    `what-if as of ${report.asOf}: policy ${report.current.policyVersion} → ${report.candidate.policyVersion}, ${report.population} customers (${report.computedInMs} ms)`,
    `customer equity: ${money(report.current.customerEquity)} → ${money(report.candidate.customerEquity)} (${report.customerEquityChange >= 0 ? '+' : ''}${money(report.customerEquityChange)})`,
  ];
  for (const dimension of WHAT_IF_DIMENSIONS) {
    const d = report.dimensions[dimension];
    lines.push(`${dimension}: ${d.moved} customer(s) move (${(d.share * 100).toFixed(1)} %)`);
    for (const cell of d.cells) {
      if (cell.from === cell.to) continue;
      const samples = cell.samples.map((s) => (s.rule === null ? s.customerId : `${s.customerId} (${s.rule} at ${s.at})`)).join(', ');
      lines.push(`  ${cell.from} → ${cell.to}: ${cell.customers}${samples ? `  e.g. ${samples}` : ''}`);
    }
  }
  return lines;
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error instanceof Error ? error.message : error);
  process.exit(1);
});
