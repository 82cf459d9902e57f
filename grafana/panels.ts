import { readFileSync } from 'node:fs';

/**
 * Every query of the bundled Grafana dashboards, read from the dashboard JSON, with Grafana's
 * variables substituted so each can be sent as-is to Prometheus' HTTP API. Grafana cannot run on
 * the build machines (no image), so the end-to-end test proves the dashboards by running these
 * against the live mesh's Prometheus.
 */

export const DASHBOARD_FILES = ['mesh-overview.json'] as const;

/** Values the export uses for Grafana's built-in and dashboard variables. */
export const VARIABLE_VALUES: Readonly<Record<string, string>> = {
  // With meshdev's 2 s scrape interval Grafana would pick a few seconds; 1m is robust right after `up`.
  __rate_interval: '1m',
  __interval: '15s',
  __range: '5m',
  // Multi-value variables with "All" selected become their allValue (a regex).
  service: '.*',
};

/**
 * Metrics that only get series once something happens (a retry, an ejection, a TCP upstream...),
 * because prom-client exports a labelled series from its first increment.
 */
export const EVENT_DRIVEN_METRICS: readonly string[] = [
  'meshdev_retries_total',
  'meshdev_retry_budget_exhausted_total',
  'meshdev_outlier_ejections_total',
  'meshdev_outlier_readmissions_total',
  'meshdev_rejections_total',
  'meshdev_upstream_resets_total',
  'meshdev_tcp_bytes_total',
  'meshdev_tcp_connections_total',
  'meshdev_consul_errors_total',
];

export interface PanelQuery {
  readonly dashboard: string;
  readonly panelId: number;
  readonly panelTitle: string;
  /** Title of the row the panel sits under. */
  readonly row: string;
  readonly refId: string;
  readonly legend: string | undefined;
  /** The expression exactly as in the dashboard. */
  readonly expr: string;
  /** Ready for /api/v1/query: variables substituted. */
  readonly promql: string;
  /** Metric names the expression reads (histogram buckets by their series name, e.g. ..._bucket). */
  readonly metrics: readonly string[];
  /**
   * `always`: returns data in a running mesh under load. `after-event`: returns data only once
   * the thing it counts has happened (errors, retries, ejections, TCP traffic), so a healthy
   * mesh legitimately answers an empty vector.
   */
  readonly expectsData: 'always' | 'after-event';
}

interface DashboardTarget {
  refId?: string;
  expr?: string;
  legendFormat?: string;
  hide?: boolean;
}
interface DashboardPanel {
  id?: number;
  type?: string;
  title?: string;
  targets?: DashboardTarget[];
  panels?: DashboardPanel[];
}
interface Dashboard {
  title?: string;
  panels?: DashboardPanel[];
}

export function dashboardPath(file: string): URL {
  return new URL(`./dashboards/${file}`, import.meta.url);
}

export function readDashboard(file: string): Dashboard {
  return JSON.parse(readFileSync(dashboardPath(file), 'utf8')) as Dashboard;
}

/** Replaces `$name`, `${name}` and `${name:format}` with the export's values; unknown names are an error. */
export function substituteVariables(expr: string, values: Readonly<Record<string, string>> = VARIABLE_VALUES): string {
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, (_m, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare)!;
    const value = values[name];
    if (value === undefined) throw new Error(`dashboard query uses $${name}, which the export does not know: ${expr}`);
    return value;
  });
}

const PROMQL_WORDS = new Set([
  'sum', 'min', 'max', 'avg', 'count', 'by', 'without', 'rate', 'irate', 'increase', 'histogram_quantile',
  'vector', 'or', 'and', 'unless', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'le', 'topk',
  'bottomk', 'label_values', 'abs', 'clamp_min', 'clamp_max', 'time', 'scalar', 'stddev', 'quantile', 'delta',
]); // prettier-ignore

/** Metric names in an expression: identifiers that are not PromQL words, label names or strings. */
export function metricNames(promql: string): string[] {
  const withoutStrings = promql.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const withoutMatchers = withoutStrings.replace(/\{[^}]*\}/g, '{}');
  const withoutGrouping = withoutMatchers.replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '');
  const withoutRanges = withoutGrouping.replace(/\[[^\]]*\]/g, '');
  const names = new Set<string>();
  for (const m of withoutRanges.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = m[0];
    const next = withoutRanges.slice(m.index + word.length).trimStart();
    if (PROMQL_WORDS.has(word) || next.startsWith('(')) continue;
    names.add(word);
  }
  return [...names];
}

function eventDriven(expr: string, metrics: readonly string[]): boolean {
  return (
    metrics.some((m) => EVENT_DRIVEN_METRICS.includes(m.replace(/_(bucket|count|sum)$/, ''))) ||
    /status_class=~"5xx/.test(expr)
  );
}

export function panelQueries(files: readonly string[] = DASHBOARD_FILES): PanelQuery[] {
  const out: PanelQuery[] = [];
  for (const file of files) {
    const dashboard = readDashboard(file);
    let row = '';
    const visit = (panels: readonly DashboardPanel[]) => {
      for (const panel of panels) {
        if (panel.type === 'row') {
          row = panel.title ?? '';
          // Collapsed rows keep their panels inside the row.
          visit(panel.panels ?? []);
          continue;
        }
        for (const target of panel.targets ?? []) {
          if (target.hide || target.expr === undefined || target.expr.trim() === '') continue;
          const promql = substituteVariables(target.expr);
          const metrics = metricNames(promql);
          out.push({
            dashboard: dashboard.title ?? file,
            panelId: panel.id ?? -1,
            panelTitle: panel.title ?? '',
            row,
            refId: target.refId ?? 'A',
            legend: target.legendFormat,
            expr: target.expr,
            promql,
            metrics,
            expectsData: eventDriven(target.expr, metrics) ? 'after-event' : 'always',
          });
        }
      }
    };
    visit(dashboard.panels ?? []);
  }
  return out;
}
