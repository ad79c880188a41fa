/**
 * Run in a child process by sqlite-event-store.spec.ts: appends through its own store on the
 * same file, racing the parent for one shared stream with expected revisions.
 * argv: <dataDir> <count> <tag>
 */
import { randomUUID } from 'node:crypto';
import { WrongExpectedRevisionError, type ExpectedRevision } from '../../event-store.port';
import { SqliteEventStore } from '../sqlite-event-store';

async function main(): Promise<void> {
  const [dataDir, countArg, tag] = process.argv.slice(2);
  const store = SqliteEventStore.open({ dataDir });
  try {
    let expected: ExpectedRevision = 'any';
    for (let i = 0; i < Number(countArg); i++) {
      const event = { eventId: randomUUID(), type: 'ChildAppended', data: { tag, i } };
      for (;;) {
        try {
          expected = (await store.appendToStream('shared', [event], { expectedRevision: expected })).nextExpectedRevision;
          break;
        } catch (error) {
          if (!(error instanceof WrongExpectedRevisionError)) throw error;
          expected = error.actual;
        }
      }
      await store.appendToStream(`child-${tag}`, [{ eventId: randomUUID(), type: 'ChildAppended', data: { i } }]);
      // Paced like the parent so the two really interleave.
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
