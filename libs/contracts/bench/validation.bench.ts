/**
 * Throughput of validateInteractionEvent on a valid PurchaseMade (the hot path of ingest and
 * of the Kafka consumer). Run: node -r @swc-node/register libs/contracts/bench/validation.bench.ts
 */
import 'reflect-metadata';
import { sampleEvent } from '../src';
import { validateInteractionEvent, validateInteractionEventBatch } from '../src/edge';

// CPU time as well as wall time: the machine is shared, and CPU time is what one core can do.
const measure = (label: string, count: number, run: () => void) => {
  const started = process.hrtime.bigint();
  const cpuStarted = process.cpuUsage();
  run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuStarted);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const rate = (s: number) => Math.round(count / s).toLocaleString('en');
  console.log(`${label}: ${rate(cpuSeconds)} events/s of CPU time, ${rate(seconds)} events/s wall (${count} events)`);
};

// Parsed JSON, as the HTTP body parser and the Kafka consumer hand it over.
const event: unknown = JSON.parse(JSON.stringify(sampleEvent('PurchaseMade')));
const batch: unknown = { events: Array.from({ length: 1000 }, () => event) };

for (let i = 0; i < 5_000; i++) validateInteractionEvent(event); // warm-up (JIT)
const singles = 100_000;
measure('validateInteractionEvent(PurchaseMade)', singles, () => {
  for (let i = 0; i < singles; i++) if (!validateInteractionEvent(event).ok) throw new Error('sample rejected');
});
measure('validateInteractionEventBatch(1000 x PurchaseMade)', 50_000, () => {
  for (let i = 0; i < 50; i++) if (!validateInteractionEventBatch(batch).ok) throw new Error('batch rejected');
});
