import type { z } from 'zod';
import {
  BUILTIN_DEFAULTS,
  PolicyDocument,
  VersionPolicyDocument,
  configPrefix,
  deepMerge,
  defaultsKey,
  parseConfigKey,
  serviceKey,
  versionKey,
} from './config.js';
import type { ConfigKeyRef, ConfigSnapshot, EffectiveConfig } from './config.js';
import { formatIssue } from './issues.js';
import { parseJsonDocument } from './json-document.js';
import { ServiceName, VersionLabel } from './topology.js';

/**
 * Judging the live config document by document. One hand-written mistake must not freeze the
 * mesh's configuration: each document under `meshdev/<mesh>/config/` is accepted or rejected on its
 * own, by its key, and every other document still applies.
 *
 * Which documents are rejected depends only on what KV holds now (so `meshdev policy get` and every
 * sidecar agree). What a rejected key contributes instead depends on the sidecar's history: the last
 * version of that key the sidecar applied ("last good"), if it had one and it still fits with the
 * documents above it; otherwise nothing, and the key's level inherits from above. So while a user
 * fixes a typo in `services/catalog`, calls to catalog keep its previous document, and a change to
 * `defaults` still applies (merged under it). A sidecar started while the document was already
 * invalid never saw a good version, and inherits.
 *
 * Documents are judged top-down: `defaults` on top of the built-in defaults, then each
 * `services/<s>` on top of the `defaults` in effect, then each `services/<s>/versions/<v>` on top of
 * both. A check between fields that may come from different documents (backoffBaseMs <= backoffMaxMs)
 * therefore rejects the most specific document of the two that set the conflicting fields: the one
 * that overrides in a way that does not fit what it inherits. Nothing above it is affected.
 */

/**
 * A document of a hundred routes with a few header matches, pretty-printed as the CLI writes it, is
 * about 25 KiB; nothing meshdev writes comes near the limit, and every sidecar parses every document
 * of the mesh on every change, so the limit bounds that work.
 */
export const MAX_CONFIG_DOCUMENT_BYTES = 32 * 1024;
/**
 * 64 services with 7 versions each, all with documents of their own. Beyond it (in key order) a
 * document is rejected: every sidecar holds and re-judges them all on every change.
 */
export const MAX_CONFIG_DOCUMENTS = 512;
/** A broken document can yield an issue per array element; the first few say what is wrong. */
const MAX_PROBLEMS_PER_DOCUMENT = 10;

export const EMPTY_DOCUMENT_MESSAGE = 'empty document; delete the key to inherit the settings above it';

export type LiveConfigDocument = PolicyDocument | VersionPolicyDocument;

export interface RejectedConfigDocument {
  key: string;
  /** `<field>: <what was expected>`, most important first. */
  problems: string[];
  /** What applies for this key instead: the sidecar's last good version of it, or nothing (inherited). */
  inEffect: 'last-good' | 'none';
}

export interface JudgedConfig {
  /** Every document in effect, merged as `effectiveConfig` reads them. */
  snapshot: ConfigSnapshot;
  /** The document in effect per key (accepted now, or kept from before): the next judgement's `lastGood`. */
  inEffect: ReadonlyMap<string, LiveConfigDocument>;
  /** Sorted by key. */
  rejected: RejectedConfigDocument[];
}

interface Candidate {
  ref: ConfigKeyRef;
  /** Valid on its own; undefined when rejected before any cross-document check. */
  doc: LiveConfigDocument | undefined;
  problems: string[];
}

function keyProblem(mesh: string, ref: ConfigKeyRef | undefined): string | undefined {
  if (ref === undefined) return `unknown key; expected ${configPrefix(mesh)}{defaults,services/<name>[/versions/<v>]}`;
  if (ref.kind === 'defaults') return undefined;
  if (!ServiceName.safeParse(ref.service).success) return `"${ref.service}" is not a service name`;
  if (ref.kind === 'version' && !VersionLabel.safeParse(ref.version).success) {
    return `"${ref.version}" is not a version label`;
  }
  return undefined;
}

function limited(problems: string[]): string[] {
  if (problems.length <= MAX_PROBLEMS_PER_DOCUMENT) return problems;
  const shown = problems.slice(0, MAX_PROBLEMS_PER_DOCUMENT);
  shown.push(`... and ${problems.length - shown.length} more`);
  return shown;
}

/** One document on its own: JSON, size, shape and ranges. Never throws. */
export function validateConfigDocument(
  ref: ConfigKeyRef,
  value: string | null,
): { ok: true; doc: LiveConfigDocument } | { ok: false; problems: string[] } {
  const json = parseJsonDocument(value, MAX_CONFIG_DOCUMENT_BYTES);
  if (!json.ok) return { ok: false, problems: [json.reason === 'empty' ? EMPTY_DOCUMENT_MESSAGE : json.message] };
  const schema: z.ZodType<LiveConfigDocument> = ref.kind === 'version' ? VersionPolicyDocument : PolicyDocument;
  const parsed = schema.safeParse(json.value);
  if (!parsed.success) return { ok: false, problems: limited(parsed.error.issues.map(formatIssue)) };
  return { ok: true, doc: parsed.data };
}

interface Layer {
  key: string;
  doc: LiveConfigDocument;
}

function getPath(doc: unknown, path: readonly string[]): unknown {
  let node = doc;
  for (const seg of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[seg];
  }
  return node;
}

/**
 * Checks between fields that may come from different documents, on the merged result of `layers`
 * (top first). Each message names where the other field came from.
 */
function incoherences(layers: readonly Layer[]): string[] {
  const self = layers[layers.length - 1]!.key;
  const eff = layers.reduce<EffectiveConfig>((acc, l) => deepMerge(acc, l.doc), BUILTIN_DEFAULTS);
  const origin = (path: string[]) => {
    for (let i = layers.length - 1; i >= 0; i--) {
      if (getPath(layers[i]!.doc, path) !== undefined) return layers[i]!.key === self ? '' : ` from ${layers[i]!.key}`;
    }
    return ' by default';
  };
  const out: string[] = [];
  const r = eff.resilience.retries;
  if (r.backoffBaseMs > r.backoffMaxMs) {
    out.push(
      `resilience.retries.backoffBaseMs (${r.backoffBaseMs}${origin(['resilience', 'retries', 'backoffBaseMs'])}) ` +
        `must not exceed resilience.retries.backoffMaxMs (${r.backoffMaxMs}${origin(['resilience', 'retries', 'backoffMaxMs'])})`,
    );
  }
  return out;
}

/**
 * Judges every KV entry under the mesh's config prefix, document by document. `lastGood` is the
 * previous judgement's `inEffect` (empty for a stateless view such as the CLI's). Never throws.
 */
export function judgeConfigEntries(
  mesh: string,
  entries: readonly { key: string; value: string | null }[],
  lastGood: ReadonlyMap<string, LiveConfigDocument> = new Map(),
): JudgedConfig {
  const rejected: RejectedConfigDocument[] = [];
  const inEffect = new Map<string, LiveConfigDocument>();
  const candidates = new Map<string, Candidate>();
  const services = new Map<string, Set<string>>();
  let known = 0;
  // A "folder" key (trailing slash) is what the Consul UI creates; it holds nothing.
  const sorted = entries.filter((e) => !e.key.endsWith('/')).sort((a, b) => (a.key < b.key ? -1 : 1));
  for (const { key, value } of sorted) {
    const ref = parseConfigKey(mesh, key);
    const bad = keyProblem(mesh, ref);
    if (bad !== undefined || ref === undefined) {
      rejected.push({ key, problems: [bad ?? 'unknown key'], inEffect: 'none' });
      continue;
    }
    if (ref.kind !== 'defaults') {
      let versions = services.get(ref.service);
      if (versions === undefined) services.set(ref.service, (versions = new Set()));
      if (ref.kind === 'version') versions.add(ref.version);
    }
    if (++known > MAX_CONFIG_DOCUMENTS) {
      candidates.set(key, {
        ref,
        doc: undefined,
        problems: [`beyond the limit of ${MAX_CONFIG_DOCUMENTS} config documents per mesh (counted in key order)`],
      });
      continue;
    }
    const v = validateConfigDocument(ref, value);
    candidates.set(key, v.ok ? { ref, doc: v.doc, problems: [] } : { ref, doc: undefined, problems: v.problems });
  }

  /** The document in effect for `key` on top of `above`, recording a rejection if it is not the one in KV. */
  const judge = (key: string, above: readonly Layer[]): Layer[] => {
    const c = candidates.get(key);
    if (c === undefined) return [...above];
    let problems = c.problems;
    if (c.doc !== undefined) {
      problems = incoherences([...above, { key, doc: c.doc }]);
      if (problems.length === 0) {
        inEffect.set(key, c.doc);
        return [...above, { key, doc: c.doc }];
      }
    }
    const previous = lastGood.get(key);
    if (previous !== undefined && incoherences([...above, { key, doc: previous }]).length === 0) {
      inEffect.set(key, previous);
      rejected.push({ key, problems, inEffect: 'last-good' });
      return [...above, { key, doc: previous }];
    }
    rejected.push({ key, problems, inEffect: 'none' });
    return [...above];
  };

  const snapshot: ConfigSnapshot = { defaults: {}, services: {} };
  const top = judge(defaultsKey(mesh), []);
  if (top.length > 0) snapshot.defaults = top[0]!.doc as PolicyDocument;
  for (const service of [...services.keys()].sort()) {
    const sKey = serviceKey(mesh, service);
    const withService = judge(sKey, top);
    const entry: ConfigSnapshot['services'][string] = { doc: {}, versions: {} };
    if (inEffect.has(sKey)) entry.doc = inEffect.get(sKey) as PolicyDocument;
    for (const version of [...services.get(service)!].sort()) {
      const vKey = versionKey(mesh, service, version);
      judge(vKey, withService);
      const doc = inEffect.get(vKey);
      if (doc !== undefined) entry.versions[version] = doc;
    }
    if (inEffect.has(sKey) || Object.keys(entry.versions).length > 0) snapshot.services[service] = entry;
  }
  rejected.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { snapshot, inEffect, rejected };
}

/** What changed between two judgements' rejections: for logging and counting once per change. */
export function rejectionChanges(
  before: readonly RejectedConfigDocument[],
  after: readonly RejectedConfigDocument[],
): { rejected: RejectedConfigDocument[]; cleared: string[] } {
  const was = new Map(before.map((r) => [r.key, JSON.stringify(r.problems)]));
  const now = new Set(after.map((r) => r.key));
  return {
    rejected: after.filter((r) => was.get(r.key) !== JSON.stringify(r.problems)),
    cleared: before.filter((r) => !now.has(r.key)).map((r) => r.key),
  };
}
