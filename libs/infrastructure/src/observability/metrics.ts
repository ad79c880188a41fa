import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SIZES = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000];

/** A gauge read when Prometheus scrapes: the value is computed then, nothing is kept up to date. */
type Sampler = () => Promise<ReadonlyArray<{ labels?: Record<string, string>; value: number }>> | ReadonlyArray<{ labels?: Record<string, string>; value: number }>;

/**
 * The metrics of one process (prom-client, Prometheus text format at GET /metrics). One registry
 * per app instance, not prom-client's global one: several apps in one process (the tests, the
 * all-in-one platform's modules) each count their own. Names follow Prometheus conventions
 * (`_total` counters, base units: seconds, events); labels carry types, routes, partitions and
 * reasons, never a customer id.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly samplers = new Map<string, Sampler[]>();

  // HTTP
  readonly httpRequests = new Counter({ name: 'crm_http_requests_total', help: 'HTTP requests answered, by method, route pattern and status', labelNames: ['method', 'route', 'status'], registers: [this.registry] });
  readonly httpDuration = new Histogram({ name: 'crm_http_request_duration_seconds', help: 'HTTP request duration, from the first byte read to the last written', labelNames: ['method', 'route'], buckets: SECONDS, registers: [this.registry] });

  // Ingest
  readonly eventsIngested = new Counter({ name: 'crm_events_ingested_total', help: 'Events the ingest API accepted, by type and outcome (stored, duplicate)', labelNames: ['type', 'status'], registers: [this.registry] });
  readonly eventsRejected = new Counter({ name: 'crm_events_rejected_total', help: 'Events the ingest API did not store, by reason (validation, system-type, conflict, customer-merged, failed, too-large)', labelNames: ['reason'], registers: [this.registry] });
  readonly appendDuration = new Histogram({ name: 'crm_store_append_duration_seconds', help: 'One group commit: the store transaction of the appends of concurrent requests', buckets: SECONDS, registers: [this.registry] });
  readonly appendEvents = new Histogram({ name: 'crm_store_append_events', help: 'Events per group commit', buckets: SIZES, registers: [this.registry] });

  // Projector
  readonly projectorEvents = new Counter({ name: 'crm_projector_events_total', help: 'Events folded into views', registers: [this.registry] });
  readonly projectorBatchEvents = new Histogram({ name: 'crm_projector_batch_events', help: 'Events per projector batch', buckets: SIZES, registers: [this.registry] });
  readonly foldDuration = new Histogram({ name: 'crm_projector_fold_duration_seconds', help: 'Folding one batch (views loaded, events applied), before its commit', buckets: SECONDS, registers: [this.registry] });
  readonly commitDuration = new Histogram({ name: 'crm_projector_commit_duration_seconds', help: 'Committing one batch of views (and the checkpoint) to the read store', buckets: SECONDS, registers: [this.registry] });
  readonly deadLetters = new Counter({ name: 'crm_dead_letters_total', help: 'Events dead-lettered: the fold threw (fold), or the Kafka message was refused (message)', labelNames: ['source'], registers: [this.registry] });

  // Relay
  readonly relayEvents = new Counter({ name: 'crm_relay_events_total', help: 'Events the relay published to Kafka', registers: [this.registry] });

  // Population pass
  readonly populationPass = new Histogram({ name: 'crm_population_pass_duration_seconds', help: 'One population pass (tiers, lifetime value, segments)', buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300], registers: [this.registry] });

  // Servers
  readonly clientErrors = new Counter({ name: 'crm_client_errors_total', help: 'Errors of the clients of the real servers, by client (kafka, redis, eventstore)', labelNames: ['client'], registers: [this.registry] });
  readonly healthFailures = new Counter({ name: 'crm_health_check_failures_total', help: 'Readiness checks that failed, by component', labelNames: ['component'], registers: [this.registry] });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'crm_' });
    this.sampledGauge('crm_projector_lag_events', 'Events stored (or on the partition) and not yet folded, by partition (`log`: the embedded store)', ['partition']);
    this.sampledGauge('crm_projector_lag_seconds', 'Now minus the recordedAt of the last folded event while events wait (0 when none waits), by partition', ['partition']);
    this.sampledGauge('crm_relay_lag_events', 'Events in the store not yet published to Kafka', []);
    this.sampledGauge('crm_rebuild_events_done', 'Events the running (or last) blue-green rebuild has folded, by rebuild and phase', ['rebuild', 'phase']);
    this.sampledGauge('crm_rebuild_events_total', 'Events the running (or last) blue-green rebuild will fold, by rebuild', ['rebuild']);
    this.sampledGauge('crm_dead_letters_pending', 'Dead letters not redriven yet', []);
  }

  /**
   * Adds a source of values to a scrape-time gauge (the projector's lag, the rebuild's progress):
   * what the process knows is read when Prometheus asks, so the hot paths keep no gauge current.
   */
  sample(name: string, sampler: Sampler): void {
    const samplers = this.samplers.get(name);
    if (samplers === undefined) throw new Error(`no sampled gauge ${name}`);
    samplers.push(sampler);
  }

  /** The Prometheus text exposition of every metric. */
  async scrape(): Promise<string> {
    return this.registry.metrics();
  }

  private sampledGauge(name: string, help: string, labelNames: string[]): void {
    const samplers: Sampler[] = [];
    this.samplers.set(name, samplers);
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const sampler of samplers) {
          try {
            for (const { labels, value } of await sampler()) {
              if (labels) this.set(labels, value);
              else this.set(value);
            }
          } catch {
            // A sampler that cannot answer (a server down) leaves its series out of this scrape.
          }
        }
      },
    });
  }
}
