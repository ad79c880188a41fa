import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metrics } from './metrics';

const ROOT = join(__dirname, '..', '..', '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** infra/observability is true to the code: the dashboard asks only for metrics that exist, Prometheus scrapes every service where it listens. */
describe('infra/observability', () => {
  it('has a Grafana dashboard whose every query names a metric the platform exports', async () => {
    const metrics = new Metrics();
    const exported = new Set<string>();
    for (const metric of await metrics.registry.getMetricsAsJSON()) {
      exported.add(metric.name);
      if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(`${metric.name}${suffix}`);
    }
    const dashboard = JSON.parse(read('infra/observability/grafana/dashboards/crm-platform.json')) as { panels: { title: string; targets: { expr: string }[] }[] };
    const queried = dashboard.panels.flatMap((p) => p.targets.flatMap((t) => [...t.expr.matchAll(/\bcrm_[a-z0-9_]+/g)].map((m) => m[0])));
    expect(queried.length).toBeGreaterThan(20);
    expect([...new Set(queried)].filter((name) => !exported.has(name))).toEqual([]);
    expect(dashboard.panels.map((p) => p.title)).toEqual(expect.arrayContaining([expect.stringMatching(/lag \(events\)/), expect.stringMatching(/Dead letters/)]));
  });

  it('scrapes each service of docker-compose.yml on the port it listens on', () => {
    const compose = read('docker-compose.yml');
    const prometheus = read('infra/observability/prometheus.yml');
    for (const service of ['ingest-api', 'relay', 'projector', 'query-api']) {
      const port = new RegExp(`\\n  ${service}:\\n[\\s\\S]*?PORT: "(\\d+)"`).exec(compose)?.[1];
      expect({ service, port: port !== undefined }).toEqual({ service, port: true });
      expect({ service, scraped: prometheus.includes(`'${service}:${port}'`) || prometheus.includes(`names: ['${service}']`) && prometheus.includes(`port: ${port}`) }).toEqual({ service, scraped: true });
    }
    expect(compose).toContain('./infra/observability/prometheus.yml:/etc/prometheus/prometheus.yml:ro');
  });
});
