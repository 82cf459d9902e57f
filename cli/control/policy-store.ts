import { UsageError } from '../errors.js';
import { meshdevCommand } from '../invocation.js';
import type { ConsulKv } from '../runtime/consul-kv.js';
import {
  PolicyDocument,
  VersionPolicyDocument,
  configPrefix,
  defaultsKey,
  effectiveConfig,
  parseConfigKey,
  serviceKey,
  versionKey,
} from '../../proxy/schema/config.js';
import type { ConfigProblem, EffectiveConfig } from '../../proxy/schema/config.js';
import { judgeConfigEntries, validateConfigDocument } from '../../proxy/schema/config-documents.js';
import type { RejectedConfigDocument } from '../../proxy/schema/config-documents.js';

/**
 * Reading and writing the live config documents in Consul KV, for `meshdev policy`, `meshdev split`
 * and chaos policy steps.
 * Every write is judged as the sidecars judge it (proxy/schema/config-documents.ts), alone and with
 * every other document, so the CLI never writes something sidecars would reject, nor something that
 * makes them reject another document.
 */

export type PolicyTarget = { kind: 'defaults' } | { kind: 'service'; service: string; version?: string };

export class InvalidPolicyError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map((p) => `${p.key}: ${p.message}`).join('\n'));
    this.name = 'InvalidPolicyError';
  }
}

const POLICY_FIX = `See proxy/schema/config.ts (or \`${meshdevCommand('policy get SERVICE')}\`) for the fields and their ranges.`;

/** Problems with a policy change, as bad input: worded once for every front door. */
export function invalidPolicy(problems: readonly ConfigProblem[]): UsageError {
  return new UsageError(
    `invalid policy; nothing was written:\n  ${problems.map((p) => `${p.key}: ${p.message}`).join('\n  ')}`,
    { fix: POLICY_FIX },
  );
}

export function keyOf(mesh: string, t: PolicyTarget): string {
  if (t.kind === 'defaults') return defaultsKey(mesh);
  return t.version === undefined ? serviceKey(mesh, t.service) : versionKey(mesh, t.service, t.version);
}

/** What `meshdev policy get` shows: one document as stored, and how the sidecars judge the mesh's. */
export interface PolicyView {
  key: string;
  /** The stored document ({} when the key is absent); null when it holds something that is not a JSON object. */
  stored: Record<string, unknown> | null;
  /** The stored text when it is not a JSON object (so the user sees what to fix). */
  storedText?: string;
  /**
   * The effective config for a service target, computed from KV alone: a sidecar that applied an
   * earlier version of a rejected document keeps that version instead.
   */
  effective?: EffectiveConfig;
  /** Every rejected document of the mesh, by key. */
  rejected: RejectedConfigDocument[];
}

function asObject(text: string | undefined | null): Record<string, unknown> | undefined {
  if (text === undefined || text === null) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export class PolicyStore {
  constructor(
    readonly kv: ConsulKv,
    readonly mesh: string,
  ) {}

  /** The stored document ({} when absent); a stored value that is not a JSON object is bad input. */
  async read(t: PolicyTarget): Promise<Record<string, unknown>> {
    const key = keyOf(this.mesh, t);
    const raw = await this.kv.get(key);
    if (raw === undefined) return {};
    const doc = asObject(raw);
    if (doc === undefined) {
      throw new InvalidPolicyError([
        { key, message: 'the stored value is not a JSON object; fix it by hand or delete the key, then set again' },
      ]);
    }
    return doc;
  }

  /** The stored document of `t`, the effective config for a service target, and every rejected document. */
  async show(t: PolicyTarget): Promise<PolicyView> {
    const key = keyOf(this.mesh, t);
    const value = await this.kv.list(configPrefix(this.mesh));
    const judged = judgeConfigEntries(this.mesh, value);
    const entry = value.find((e) => e.key === key);
    const stored = entry === undefined ? {} : (asObject(entry.value) ?? null);
    return {
      key,
      stored,
      ...(entry !== undefined && stored === null ? { storedText: entry.value ?? '' } : {}),
      ...(t.kind === 'service' ? { effective: effectiveConfig(judged.snapshot, t.service, t.version) } : {}),
      rejected: judged.rejected,
    };
  }

  /** Effective config a sidecar would apply to calls to `service` (routed to `version`), from KV alone. */
  async effective(service: string, version?: string): Promise<EffectiveConfig> {
    const value = await this.kv.list(configPrefix(this.mesh));
    return effectiveConfig(judgeConfigEntries(this.mesh, value).snapshot, service, version);
  }

  /**
   * Validates `doc` alone and with every other document, then writes it; `{}` deletes the key (its
   * level inherits again: an empty value in KV would be rejected). Refused when the sidecars would
   * reject it, or would newly reject another document because of it.
   */
  async write(t: PolicyTarget, doc: Record<string, unknown>): Promise<void> {
    const key = keyOf(this.mesh, t);
    const empty = Object.keys(doc).length === 0;
    const text = JSON.stringify(doc, null, 2);
    if (!empty) {
      const alone = validateConfigDocument(parseConfigKey(this.mesh, key)!, text);
      if (!alone.ok) throw new InvalidPolicyError(alone.problems.map((message) => ({ key, message })));
    }
    const value = await this.kv.list(configPrefix(this.mesh));
    const before = judgeConfigEntries(this.mesh, value).rejected;
    const others = value.filter((e) => e.key !== key);
    const after = judgeConfigEntries(this.mesh, empty ? others : [...others, { key, value: text }]).rejected;
    const rejectedBefore = new Set(before.map((r) => r.key));
    const caused = after.filter((r) => r.key === key || !rejectedBefore.has(r.key));
    if (caused.length > 0) {
      throw new InvalidPolicyError(
        caused.flatMap((r) =>
          r.problems.map((p) => ({
            key: r.key,
            message: r.key === key ? p : `${p} (this write would make the sidecars reject this document)`,
          })),
        ),
      );
    }
    if (empty) await this.kv.delete(key);
    else await this.kv.put(key, text);
  }
}

/** `meshdev policy get` for a human: the stored document, the effective config, then any rejected documents. */
export function formatPolicyView(v: PolicyView): string {
  let out = `# ${v.key}\n`;
  if (v.storedText !== undefined) out += `${v.storedText}\n`;
  else out += `${JSON.stringify(v.stored ?? {}, null, 2)}\n`;
  if (v.effective !== undefined) out += `# effective\n${JSON.stringify(v.effective, null, 2)}\n`;
  if (v.rejected.length > 0) {
    out +=
      `# rejected documents (the sidecars apply every other document; each of these keeps the last good\n` +
      `# version a sidecar applied, if any, else its level inherits from above)\n`;
    for (const r of v.rejected) out += `${r.key}\n${r.problems.map((p) => `  ${p}`).join('\n')}\n`;
  }
  return out;
}

/** One change to a policy document: a field path and its new value (null: unset, inherited again). */
export interface PolicyAssignment {
  readonly path: readonly string[];
  readonly value: unknown;
}

/** `resilience.retries.maxRetries=3`: how an assignment is shown (keys dotted, values as JSON). */
export function formatAssignment(a: PolicyAssignment): string {
  return `${a.path.join('.')}=${JSON.stringify(a.value)}`;
}

/**
 * Applies assignments to a document: `balancer` to `"peak-ewma"`, `resilience.retries.maxRetries`
 * to 3, `split` to `{ v1: 90, v2: 10 }`; a null value removes the field (it is inherited again).
 */
export function applyAssignments(
  doc: Record<string, unknown>,
  assignments: readonly PolicyAssignment[],
): Record<string, unknown> {
  const out = structuredClone(doc);
  for (const { path, value } of assignments) {
    // Field names only: an empty segment, `__proto__` or `constructor` would write where no document has a field.
    if (path.length === 0 || !path.every((seg) => FIELD_NAME.test(seg) && !(seg in Object.prototype))) {
      throw new InvalidPolicyError([
        { key: path.join('.'), message: 'expected a dotted key of field names, e.g. resilience.retries.maxRetries=3' },
      ]);
    }
    let node = out;
    for (const seg of path.slice(0, -1)) {
      const next = node[seg];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) node[seg] = {};
      node = node[seg] as Record<string, unknown>;
    }
    const last = path[path.length - 1]!;
    if (value === null) delete node[last];
    else node[last] = structuredClone(value);
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
export function assignmentProblems(assignments: readonly PolicyAssignment[], target: PolicyTarget): ConfigProblem[] {
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
