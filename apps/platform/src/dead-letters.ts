import 'reflect-metadata';
import { Command } from 'commander';
import { ConfigError, loadConfig } from '@crm/config';
import { openEventStore, openReadStore } from '@crm/infrastructure';
import { createCustomerProjection, listDeadLetters, redriveDeadLetters } from '@crm/projection';

/**
 * npm run dead-letters -- list [--all] [--json] | redrive [eventId…]: the events the fold threw on
 * (recorded by the projector, in both modes), and their redrive once the cause is fixed (a new
 * upcaster, a policy fix): each customer concerned is folded again from its stream, so the event
 * folds in as a late event and the view is what it would have been had it never failed. Safe
 * while the platform runs: it announces its writes like a population pass.
 */
async function main(): Promise<void> {
  const program = new Command('dead-letters').description('List and redrive the events the projection could not fold');
  program
    .command('list')
    .description('the pending dead letters (with --all, the redriven ones too)')
    .option('--all', 'include the redriven ones')
    .option('--json', 'print them as JSON')
    .action(async (options: { all?: boolean; json?: boolean }) =>
      withStores(async ({ readStore }) => {
        const letters = (await listDeadLetters(readStore)).filter((l) => options.all || l.status === 'pending');
        if (options.json) return console.log(JSON.stringify(letters, null, 2));
        if (letters.length === 0) return console.log('no dead letters');
        for (const l of letters) {
          console.log(`${l.status.padEnd(8)} ${l.eventId} ${l.type} customer ${l.customerId} position ${l.position} since ${l.deadLetteredAt}: ${l.redrive?.error ?? l.reason}`);
        }
      }),
    );
  program
    .command('redrive')
    .description('fold the pending dead letters in again (all, or the event ids given) with the current projection and POLICY_FILE')
    .argument('[eventIds...]', 'only these events')
    .action(async (eventIds: string[]) =>
      withStores(async ({ readStore, eventStore, config }) => {
        const projection = createCustomerProjection(config.POLICY_FILE);
        const result = await redriveDeadLetters(readStore, eventStore, projection, eventIds.length > 0 ? { eventIds } : {});
        console.log(`redriven ${result.redriven.length} event(s) over ${result.customers} customer(s); still failing ${result.failing.length}`);
        for (const f of result.failing) console.log(`  ${f.eventId}: ${f.error}`);
        if (result.failing.length > 0) process.exitCode = 2;
      }),
    );
  await program.parseAsync();
}

async function withStores(work: (stores: { readStore: Awaited<ReturnType<typeof openReadStore>>; eventStore: Awaited<ReturnType<typeof openEventStore>>; config: ReturnType<typeof loadConfig> }) => Promise<void>): Promise<void> {
  const config = loadConfig();
  const eventStore = await openEventStore(config);
  const readStore = await openReadStore(config);
  try {
    await work({ readStore, eventStore, config });
  } finally {
    await eventStore.close();
    await readStore.close();
  }
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error instanceof Error ? error.message : error);
  process.exit(1);
});
