import { ConsulClient } from './consul/client.js';
import {
  PolicyDocument,
  VersionPolicyDocument,
  configPrefix,
  defaultsKey,
  effectiveConfig,
  parseConfigEntries,
  serviceKey,
  versionKey,
} from './schema/config.js';
import type { ConfigProblem, EffectiveConfig } from './schema/config.js';

/**
 * Reading and writing the live config documents in Consul KV, for `meshdev policy` and `meshdev split`.
 * Every write is validated against the schema AND against the other documents (the merged result must
 * be valid), so the CLI never writes something sidecars would reject.
 */

export type PolicyTarget = { kind: 'defaults' } | { kind: 'service'; service: string; version?: string };

export class InvalidPolicyError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map((p) => `${p.key}: ${p.message}`).join('\n'));
    this.name = 'InvalidPolicyError';
  }
}

export function keyOf(mesh: string, t: PolicyTarget): string {
  if (t.kind === 'defaults') return defaultsKey(mesh);
  return t.version === undefined ? serviceKey(mesh, t.service) : versionKey(mesh, t.service, t.version);
}

export class PolicyStore {
  readonly consul: ConsulClient;
  constructor(
    consulUrl: string,
    readonly mesh: string,
  ) {
    this.consul = new ConsulClient(consulUrl);
  }

  async read(t: PolicyTarget): Promise<Record<string, unknown>> {
    const raw = await this.consul.kvGet(keyOf(this.mesh, t));
    if (raw === undefined || raw.trim() === '') return {};
    return JSON.parse(raw) as Record<string, unknown>;
  }

  /** Effective config a sidecar would apply to calls to `service` (routed to `version`). */
  async effective(service: string, version?: string): Promise<EffectiveConfig> {
    const { value } = await this.consul.kvList(configPrefix(this.mesh), 0, 0);
    const parsed = parseConfigEntries(this.mesh, value);
    if (!parsed.ok) throw new InvalidPolicyError(parsed.problems);
    return effectiveConfig(parsed.snapshot, service, version);
  }

  /** Validates `doc` (alone and merged with every other document), then writes it. */
  async write(t: PolicyTarget, doc: Record<string, unknown>): Promise<void> {
    const key = keyOf(this.mesh, t);
    const schema = t.kind === 'service' && t.version !== undefined ? VersionPolicyDocument : PolicyDocument;
    const alone = schema.safeParse(doc);
    if (!alone.success) {
      throw new InvalidPolicyError(
        alone.error.issues.map((i) => ({
          key,
          message: `${i.path.length === 0 ? '(document)' : i.path.map(String).join('.')}: ${i.message}`,
        })),
      );
    }
    const { value } = await this.consul.kvList(configPrefix(this.mesh), 0, 0);
    const others = value.filter((e) => e.key !== key);
    const merged = parseConfigEntries(this.mesh, [...others, { key, value: JSON.stringify(doc) }]);
    if (!merged.ok) {
      // Problems in other documents are not this write's fault unless they involve this key.
      const mine = merged.problems.filter((p) => p.key === key || p.key.startsWith(`${key}/`));
      if (mine.length > 0) throw new InvalidPolicyError(mine);
    }
    if (Object.keys(doc).length === 0) await this.consul.kvDelete(key);
    else await this.consul.kvPut(key, JSON.stringify(doc, null, 2));
  }
}

/**
 * Applies `path=value` assignments to a document: `balancer=peak-ewma`,
 * `resilience.retries.maxRetries=3`, `resilience.retries.retryOnStatuses=[502,503]`,
 * `split={"v1":90,"v2":10}`. Values are JSON when they parse as JSON, strings otherwise; `null`
 * removes the field (it is inherited again).
 */
export function applyAssignments(
  doc: Record<string, unknown>,
  assignments: readonly string[],
): Record<string, unknown> {
  const out = structuredClone(doc);
  for (const a of assignments) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new InvalidPolicyError([{ key: a, message: 'expected KEY=VALUE, e.g. balancer=peak-ewma' }]);
    const path = a.slice(0, eq).split('.');
    // Field names only: an empty segment, `__proto__` or `constructor` would write where no document has a field.
    if (!path.every((seg) => FIELD_NAME.test(seg) && !(seg in Object.prototype))) {
      throw new InvalidPolicyError([
        { key: a, message: 'expected a dotted key of field names, e.g. resilience.retries.maxRetries=3' },
      ]);
    }
    const text = a.slice(eq + 1);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = text;
    }
    let node = out;
    for (const seg of path.slice(0, -1)) {
      const next = node[seg];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) node[seg] = {};
      node = node[seg] as Record<string, unknown>;
    }
    const last = path[path.length - 1]!;
    if (value === null) delete node[last];
    else node[last] = value;
  }
  return pruneEmpty(out);
}

function pruneEmpty(o: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      pruneEmpty(v as Record<string, unknown>);
      if (Object.keys(v).length === 0) delete o[k];
    }
  }
  return o;
}

const FIELD_NAME = /^[A-Za-z][A-Za-z0-9]*$/;

/**
 * What is wrong with `assignments` on their own, before any stored document is read: malformed
 * pairs, keys the documents do not have, values of the wrong type or out of range. Rules between
 * fields (a split needs a weight above 0, a route exactly one of version or split) are left to
 * `write`, which checks them on the document merged with what is stored.
 */
export function assignmentProblems(assignments: readonly string[], target: PolicyTarget): ConfigProblem[] {
  let doc: Record<string, unknown>;
  try {
    doc = applyAssignments({}, assignments);
  } catch (err) {
    if (err instanceof InvalidPolicyError) return err.problems;
    throw err;
  }
  const schema = target.kind === 'service' && target.version !== undefined ? VersionPolicyDocument : PolicyDocument;
  const r = schema.safeParse(doc);
  if (r.success) return [];
  return r.error.issues
    .filter((i) => i.code !== 'custom')
    .map((i) => ({ key: i.path.length === 0 ? '(document)' : i.path.map(String).join('.'), message: i.message }));
}

/** `v1=90 v2=10` -> `{ v1: 90, v2: 10 }`. */
export function parseSplitArgs(args: readonly string[]): Record<string, number> {
  const split: Record<string, number> = {};
  const problems: ConfigProblem[] = [];
  for (const a of args) {
    const m = /^([a-z0-9][a-z0-9._-]*)=(\d+)$/.exec(a);
    if (m === null) problems.push({ key: a, message: 'expected VERSION=WEIGHT, e.g. v1=90' });
    else split[m[1]!] = Number(m[2]);
  }
  if (problems.length > 0) throw new InvalidPolicyError(problems);
  return split;
}
