import 'reflect-metadata';
import { Command } from 'commander';
import { ConfigError, loadConfig } from '@crm/config';
import { kafkaOptions, openEventStore, openReadStore, topicNames } from '@crm/infrastructure';
import { KafkaBroker, KafkaPublisher, MessagePublisher, createKafka } from '@crm/messaging';
import { createCustomerProjection, listDeadLetters, redriveDeadLetters } from '@crm/projection';
import { KafkaDeadLetter, listKafkaDeadLetters, redriveKafkaDeadLetters } from './kafka-dead-letters';

/**
 * npm run dead-letters -- list [--all] [--json] | redrive [eventId…]: the events the fold threw on
 * (recorded by the projector, in both modes), and their redrive once the cause is fixed (a new
 * upcaster, a policy fix): each customer concerned is folded again from its stream, so the event
 * folds in as a late event and the view is what it would have been had it never failed. Safe
 * while the platform runs: it announces its writes like a population pass.
 *
 * With --kafka (TRANSPORT=kafka): the entries of the DLQ topic instead (kafka-dead-letters.ts):
 * `list --kafka [--all] [--json]`, `redrive --kafka [<topic>:<partition>:<offset>…]`.
 */
async function main(): Promise<void> {
  const program = new Command('dead-letters').description('List and redrive the events the projection could not fold');
  program
    .command('list')
    .description('the pending dead letters (with --all, the redriven ones too)')
    .option('--all', 'include the redriven ones')
    .option('--json', 'print them as JSON')
    .option('--kafka', 'the entries of the Kafka DLQ topic (TRANSPORT=kafka)')
    .action(async (options: { all?: boolean; json?: boolean; kafka?: boolean }) =>
      withStores(async ({ readStore, config }) => {
        if (options.kafka) return listKafka(config, readStore, options);
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
    .argument('[eventIds...]', 'only these events (with --kafka: these DLQ entries, <topic>:<partition>:<offset>)')
    .option('--kafka', 'the entries of the Kafka DLQ topic (TRANSPORT=kafka): parsed again, their customers folded again, their views published')
    .action(async (eventIds: string[], options: { kafka?: boolean }) =>
      withStores(async ({ readStore, eventStore, config }) => {
        const projection = createCustomerProjection(config.POLICY_FILE);
        if (options.kafka) {
          return withKafka(config, async ({ broker, publisher, topics }) => {
            const result = await redriveKafkaDeadLetters({ broker, publisher, readStore, eventStore, projection, topics }, eventIds.length > 0 ? { ids: eventIds } : {});
            console.log(`redriven ${result.redriven.length} DLQ entr${result.redriven.length === 1 ? 'y' : 'ies'} (${result.customers} customer(s) folded again, ${result.published} view(s) published to ${topics.customerViews}); still pending ${result.failing.length}`);
            for (const id of result.redriven) console.log(`  redriven ${id}`);
            for (const f of result.failing) console.log(`  pending  ${f.id}: ${f.error}`);
            for (const id of result.alreadyRedriven) console.log(`  already  ${id}: redriven before, nothing done`);
            for (const id of result.unknown) console.log(`  unknown  ${id}: not in ${topics.interactionsDlq}`);
            if (result.failing.length > 0 || result.unknown.length > 0) process.exitCode = 2;
          });
        }
        const result = await redriveDeadLetters(readStore, eventStore, projection, eventIds.length > 0 ? { eventIds } : {});
        console.log(`redriven ${result.redriven.length} event(s) over ${result.customers} customer(s); still failing ${result.failing.length}`);
        for (const f of result.failing) console.log(`  ${f.eventId}: ${f.error}`);
        if (result.failing.length > 0) process.exitCode = 2;
      }),
    );
  await program.parseAsync();
}

type Config = ReturnType<typeof loadConfig>;

async function listKafka(config: Config, readStore: Awaited<ReturnType<typeof openReadStore>>, options: { all?: boolean; json?: boolean }): Promise<void> {
  await withKafka(config, async ({ broker, topics }) => {
    const entries = (await listKafkaDeadLetters(broker, readStore, topics.interactionsDlq)).filter((e) => options.all || e.status === 'pending');
    if (options.json) return console.log(JSON.stringify(entries, null, 2));
    if (entries.length === 0) return console.log(`no ${options.all ? '' : 'pending '}entries in ${topics.interactionsDlq}`);
    for (const e of entries) console.log(describeEntry(e));
  });
}

function describeEntry(e: KafkaDeadLetter): string {
  const source = e.source.topic === null ? 'source unknown' : `from ${e.source.topic}:${e.source.partition ?? '?'}:${e.source.offset ?? '?'}`;
  const event = e.eventId === null ? 'payload not a JSON event' : `${e.type ?? '?'} ${e.eventId} customer ${e.customerId ?? '?'}`;
  const lastError = e.status === 'pending' && e.redrive?.error ? `\n           last redrive ${e.redrive.at}: ${e.redrive.error}` : '';
  return `${e.status.padEnd(8)} ${e.id} key ${e.key ?? '(none)'} ${source}: ${event}\n           ${e.reason}${lastError}`;
}

/** The DLQ topic is Kafka's: a clear error in the embedded mode, whose dead letters are all in the read store. */
async function withKafka(config: Config, work: (kafka: { broker: KafkaBroker; publisher: MessagePublisher; topics: ReturnType<typeof topicNames> }) => Promise<void>): Promise<void> {
  if (config.TRANSPORT !== 'kafka' || !config.KAFKA_BROKERS) {
    throw new Error(
      `--kafka needs TRANSPORT=kafka and KAFKA_BROKERS (this is TRANSPORT=${config.TRANSPORT}: there is no DLQ topic, every dead letter is in the read store; use the command without --kafka)`,
    );
  }
  const kafka = createKafka(kafkaOptions(config, { clientId: `${config.KAFKA_CLIENT_ID}-dead-letters` }));
  const broker = new KafkaBroker(kafka);
  const publisher = new LazyPublisher(() => new KafkaPublisher(kafka));
  try {
    await work({ broker, publisher, topics: topicNames(config) });
  } finally {
    await publisher.close();
    await broker.close();
  }
}

/** Made on first use (a list publishes nothing): kafkajs warns about every producer it creates. */
class LazyPublisher extends MessagePublisher {
  private publisher: MessagePublisher | null = null;
  constructor(private readonly create: () => MessagePublisher) {
    super();
  }
  publish(topic: string, messages: Parameters<MessagePublisher['publish']>[1]): Promise<void> {
    this.publisher ??= this.create();
    return this.publisher.publish(topic, messages);
  }
  async close(): Promise<void> {
    await this.publisher?.close();
  }
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
