import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { registry } from '../../../src/infra/metrics.js';

const file = path.resolve(import.meta.dirname, '../../../docs/grafana-dashboard.json');

/** PromQL words that are not metric names: functions, aggregations, keywords. */
const PROMQL = new Set([
  'sum',
  'max',
  'min',
  'avg',
  'count',
  'rate',
  'irate',
  'increase',
  'histogram_quantile',
  'label_values',
  'by',
  'without',
  'on',
  'ignoring',
  'and',
  'or',
  'unless',
  'offset',
  'bool',
]);

/** The metric names a PromQL expression reads: what is left once strings, label matchers, groupings, ranges and numbers are taken out. */
function metricNames(expr: string): string[] {
  const bare = expr
    // Grafana's label_values(metric, label): its second argument is a label.
    .replace(/label_values\(([^,]+),\s*\w+\)/g, '$1')
    .replace(/"(?:[^"\\]|\\.)*"/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\$\w+/g, '');
  return [...bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)].map((m) => m[0]).filter((w) => !PROMQL.has(w));
}

describe('docs/grafana-dashboard.json', () => {
  const dashboard = JSON.parse(readFileSync(file, 'utf8')) as {
    panels: Array<{ type: string; title: string; targets?: Array<{ expr: string }> }>;
    templating: { list: Array<{ definition?: string }> };
  };
  const exprs = [
    ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
    ...dashboard.templating.list.flatMap((v) => (v.definition ? [v.definition] : [])),
  ];

  it('parses, and every panel that is not a row has a query', () => {
    for (const p of dashboard.panels.filter((x) => x.type !== 'row')) expect(p.targets?.length, p.title).toBeGreaterThan(0);
  });

  it('queries only metrics /metrics exposes (a histogram as its _bucket, _sum and _count series)', async () => {
    const exposed = new Set<string>();
    for (const m of await registry.getMetricsAsJSON()) {
      exposed.add(m.name);
      if (String(m.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exposed.add(m.name + suffix);
    }
    const used = new Set(exprs.flatMap(metricNames));
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((name) => !exposed.has(name))).toEqual([]);
    // Each of the service's own metrics is on the dashboard.
    const own = (await registry.getMetricsAsJSON()).map((m) => m.name).filter((n) => /^(http_|training_|tfjs_|dataset_|event_)/.test(n));
    expect(own.filter((n) => ![...used].some((u) => u === n || u.startsWith(`${n}_`)))).toEqual([]);
  });

  it('the name check catches a name that does not exist', () => {
    expect(metricNames('sum by (route) (rate(http_requests_total{job=~"$job"}[$__rate_interval])) * 60')).toEqual(['http_requests_total']);
  });

  it('loads in the compose monitoring profile: its data source resolves, the files it names exist', () => {
    const root = path.resolve(import.meta.dirname, '../../..');
    const read = (f: string) => readFileSync(path.join(root, f), 'utf8');
    // Provisioned dashboards get no import dialog: ${DS_PROMETHEUS} must be a variable of its own.
    const variables = (dashboard.templating.list as Array<{ name?: string; type?: string; query?: string }>).filter((v) => v.name === 'DS_PROMETHEUS');
    expect(variables).toEqual([expect.objectContaining({ type: 'datasource', query: 'prometheus' })]);
    const compose = read('docker-compose.yml');
    expect(compose).toContain('./docs/grafana-dashboard.json:/var/lib/grafana/dashboards/');
    expect(read('deploy/monitoring/grafana/provisioning/dashboards/tfjs.yml')).toContain('path: /var/lib/grafana/dashboards');
    // Prometheus scrapes the workers on the port the compose file gives them.
    const port = /METRICS_PORT: "(\d+)"/.exec(compose)?.[1];
    expect(port).toBeDefined();
    expect(read('deploy/monitoring/prometheus.yml')).toContain(`names: ["worker"], type: A, port: ${port}`);
  });
});
