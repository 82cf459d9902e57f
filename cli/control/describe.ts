import { formatDuration } from '../duration.js';
import type { FaultAction, FaultDocument, FaultProblem, PartitionDocument } from '../../proxy/schema/faults.js';
import { formatTarget, isTcpFaultType } from '../../proxy/schema/faults.js';

export function formatRate(bytesPerSecond: number): string {
  if (bytesPerSecond >= 1024 ** 2) return `${+(bytesPerSecond / 1024 ** 2).toFixed(1)}MiB/s`;
  if (bytesPerSecond >= 1024) return `${+(bytesPerSecond / 1024).toFixed(1)}KiB/s`;
  return `${bytesPerSecond}B/s`;
}

export function describeAction(a: FaultAction): string {
  switch (a.type) {
    case 'delay':
    case 'tcp-latency':
      return `${a.type} ${formatDuration(a.fixedMs)}${a.jitterMs > 0 ? ` ±${formatDuration(a.jitterMs)}` : ''}`;
    case 'abort':
      return `abort ${a.status}`;
    case 'flaky':
      return `flaky: first ${a.first} per caller get ${a.status}`;
    case 'tcp-flaky':
      return `tcp-flaky: first ${a.first} connections reset`;
    case 'bandwidth':
    case 'tcp-bandwidth':
      return `${a.type} ${formatRate(a.bytesPerSecond)}`;
    default:
      return a.type;
  }
}

export function describeMatch(f: FaultDocument): string {
  const parts: string[] = [];
  if (f.match.pathPrefix !== undefined) parts.push(`path ${f.match.pathPrefix}*`);
  for (const [k, v] of Object.entries(f.match.headers ?? {})) parts.push(`${k}=${v}`);
  if (f.match.source !== undefined) parts.push(`from ${f.match.source}`);
  return parts.length === 0 ? 'all' : parts.join(', ');
}

export function describeWhere(f: FaultDocument): string {
  return f.where === 'inbound' ? 'inbound' : `outbound from ${f.from ?? 'every caller'}`;
}

function remaining(expiresAt: string | undefined, now: number): string {
  if (expiresAt === undefined) return 'until healed';
  const left = Date.parse(expiresAt) - now;
  return left <= 0 ? 'expired' : `${formatDuration(left)} left`;
}

/** One line a human reads after `fault add` (and a chaos step, in its timeline). */
export function describeFault(f: FaultDocument): string {
  return `${describeAction(f.action)} on ${formatTarget(f.target)} (${describeWhere(f)}, ${f.percent}% of ${
    isTcpFaultType(f.action.type) ? 'connections' : 'requests'
  }, match ${describeMatch(f)}) until ${f.expiresAt}`;
}

/** The same fault in a few words, where the target and the expiry are shown apart (the UI's fault list). */
export function summarizeFault(f: FaultDocument): string {
  return `${describeAction(f.action)} ${f.percent}%${f.where === 'outbound' ? ` from ${f.from ?? 'callers'}` : ''}`;
}

export function describePartition(p: PartitionDocument): string {
  return `${p.a.join(',')} <-/-> ${p.b.join(',')}${p.expiresAt === undefined ? ' until healed' : ` until ${p.expiresAt}`}`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function formatFaultTable(
  faults: readonly FaultDocument[],
  partitions: readonly PartitionDocument[],
  now: number,
): string {
  const out: string[] = [];
  if (faults.length === 0) out.push('no faults');
  else {
    out.push(
      table([
        ['ID', 'FAULT', 'TARGET', 'WHERE', 'MATCH', 'PERCENT', 'EXPIRES'],
        ...faults.map((f) => [
          f.id,
          describeAction(f.action),
          formatTarget(f.target),
          describeWhere(f),
          describeMatch(f),
          `${f.percent}%`,
          remaining(f.expiresAt, now),
        ]),
      ]),
    );
  }
  if (partitions.length > 0) {
    out.push('');
    out.push(
      table([
        ['PARTITION', 'A', 'B', 'EXPIRES'],
        ...partitions.map((p) => [p.id, p.a.join(','), p.b.join(','), remaining(p.expiresAt, now)]),
      ]),
    );
  }
  return out.join('\n');
}

/** The documents the sidecars reject (invalid or beyond the limits), each key once with every reason. */
export function formatRejectedDocuments(problems: readonly FaultProblem[]): string {
  if (problems.length === 0) return '';
  const byKey = new Map<string, string[]>();
  for (const p of problems) {
    const reasons = byKey.get(p.key) ?? [];
    reasons.push(p.message);
    byKey.set(p.key, reasons);
  }
  const lines = ['rejected documents (not applied by the sidecars; every other one applies):'];
  for (const [key, reasons] of byKey) lines.push(`  ${key}`, ...reasons.map((r) => `    ${r}`));
  return lines.join('\n');
}
