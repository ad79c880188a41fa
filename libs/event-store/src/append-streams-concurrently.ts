import { EventStoreError, type AppendResult, type StreamAppend, type StreamAppendOutcome } from './event-store.port';

/**
 * `appendToStreams` for a store that appends one stream per call (EventStoreDB): the streams
 * are appended concurrently, at most `concurrency` at a time; the entries of one stream run one
 * after another in the given order (so revisions and expected-revision checks follow it).
 * A typed store error is that entry's outcome; any other failure rejects the call once every
 * entry has settled (others may be stored: a retry with the same ids is idempotent).
 */
export async function appendStreamsConcurrently(
  appends: readonly StreamAppend[],
  concurrency: number,
  appendOne: (append: StreamAppend) => Promise<AppendResult>,
): Promise<StreamAppendOutcome[]> {
  const outcomes: StreamAppendOutcome[] = new Array(appends.length);
  const entriesOf = new Map<string, number[]>();
  appends.forEach(({ streamId }, index) => {
    const entries = entriesOf.get(streamId);
    if (entries === undefined) entriesOf.set(streamId, [index]);
    else entries.push(index);
  });
  const streams = [...entriesOf.values()];
  let unexpected: { error: unknown } | undefined;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < streams.length) {
      for (const index of streams[next++]) {
        const append = appends[index];
        try {
          outcomes[index] = { streamId: append.streamId, ok: true, result: await appendOne(append) };
        } catch (error) {
          if (error instanceof EventStoreError) outcomes[index] = { streamId: append.streamId, ok: false, error };
          else unexpected ??= { error };
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, streams.length) }, worker));
  if (unexpected !== undefined) throw unexpected.error;
  return outcomes;
}
