/**
 * Throughput of the two validators of an event: validateInteractionEvent (class-validator DTOs:
 * ingest's HTTP edge) and validateWithJsonSchema (the compiled JSON Schemas: the Kafka
 * projector's per-message check), on valid events and on a rejected one.
 * Run: node -r @swc-node/register libs/contracts/bench/validation.bench.ts
 */
import 'reflect-metadata';
import { EVENT_TYPES, sampleEvent } from '../src';
import { ValidationResult, validateInteractionEvent, validateInteractionEventBatch, validateWithJsonSchema } from '../src/edge';

// CPU time as well as wall time: the machine is shared, and CPU time is what one core can do.
const measure = (label: string, count: number, run: () => void) => {
  const started = process.hrtime.bigint();
  const cpuStarted = process.cpuUsage();
  run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuStarted);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const rate = (s: number) => Math.round(count / s).toLocaleString('en');
  console.log(`${label}: ${rate(cpuSeconds)} events/s of CPU time (${((cpuSeconds / count) * 1e6).toFixed(2)} µs each), ${rate(seconds)} events/s wall (${count} events)`);
};

// Parsed JSON, as the HTTP body parser and the Kafka consumer hand it over.
const parsed = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
const purchase = parsed(sampleEvent('PurchaseMade'));
const everyType = EVENT_TYPES.map((type) => parsed(sampleEvent(type)));
const invalid = parsed({ ...sampleEvent('PurchaseMade'), extra: 1, data: { ...sampleEvent('PurchaseMade').data, amount: -1 } });
const batch: unknown = { events: Array.from({ length: 1000 }, () => purchase) };

const validators: [string, (raw: unknown) => ValidationResult][] = [
  ['validateInteractionEvent', validateInteractionEvent],
  ['validateWithJsonSchema', validateWithJsonSchema],
];
const singles = 100_000;
for (const [name, validate] of validators) {
  for (let i = 0; i < 5_000; i++) validate(everyType[i % everyType.length]); // warm-up (JIT)
  measure(`${name}(PurchaseMade)`, singles, () => {
    for (let i = 0; i < singles; i++) if (!validate(purchase).ok) throw new Error('sample rejected');
  });
  measure(`${name}(each of the ${everyType.length} types in turn)`, singles, () => {
    for (let i = 0; i < singles; i++) if (!validate(everyType[i % everyType.length]).ok) throw new Error('sample rejected');
  });
  measure(`${name}(a PurchaseMade with 2 violations)`, singles / 4, () => {
    for (let i = 0; i < singles / 4; i++) if (validate(invalid).ok) throw new Error('invalid event accepted');
  });
}
measure('validateInteractionEventBatch(1000 x PurchaseMade)', 50_000, () => {
  for (let i = 0; i < 50; i++) if (!validateInteractionEventBatch(batch).ok) throw new Error('batch rejected');
});
