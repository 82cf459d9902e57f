import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultsKey, serviceKey, versionKey } from './config.js';
import { EMPTY_DOCUMENT_MESSAGE, MAX_CONFIG_DOCUMENT_BYTES, judgeConfigEntries } from './config-documents.js';
import {
  FaultDocument,
  MAX_FAULT_DOCUMENT_BYTES,
  MAX_FLAKY_FIRST,
  faultRuleKey,
  parseFaultEntries,
  partitionKey,
} from './faults.js';
import { RESERVED_JSON_KEYS } from './json-document.js';

/**
 * Property tests over the documents users write by hand into Consul KV. Generated valid documents
 * must be accepted and round-trip; each generated mutation of one document must be rejected by its
 * key with a message naming the field, never throw, and leave the other documents' effect as it was.
 */

const tally = { config: newTally(), faults: newTally() };
function newTally() {
  return {
    valid: 0,
    mutated: 0,
    crashes: 0,
    wrongAcceptances: 0,
    byMutation: {} as Record<string, number>,
    /** Of those, flaky faults (flaky, tcp-flaky): valid ones, and mutations of one. */
    flakyValid: 0,
    flakyMutated: 0,
  };
}
afterAll(() => {
  for (const [what, t] of Object.entries(tally)) {
    console.info(
      `${what} documents: ${t.valid} valid tried, ${t.mutated} mutated tried, ${t.crashes} crashes, ` +
        `${t.wrongAcceptances} wrong acceptances; mutations ${JSON.stringify(t.byMutation)}` +
        (what === 'faults' ? `; flaky: ${t.flakyValid} valid, ${t.flakyMutated} mutated` : ''),
    );
  }
});

/** -0 is not JSON's: it comes back as 0. */
const plain = (x: number) => x + 0;
const notReserved = (s: string) => !RESERVED_JSON_KEYS.has(s);
const normalize = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

// ---- valid live config documents, within every bound of the schema

const ms = fc.integer({ min: 1, max: 600_000 });
const percent = fc.double({ min: 0, max: 100, noNaN: true }).map(plain);
const retries = fc.record(
  {
    maxRetries: fc.integer({ min: 0, max: 10 }),
    retryOnStatuses: fc.array(fc.integer({ min: 100, max: 599 }), { maxLength: 20 }),
    // Base never above max, whichever documents they come from: judged valid in any combination.
    backoffBaseMs: fc.integer({ min: 0, max: 250 }),
    backoffMaxMs: fc.integer({ min: 250, max: 60_000 }),
    budgetPercent: percent,
    budgetMinPerSecond: fc.integer({ min: 0, max: 10_000 }),
    budgetMinConcurrent: fc.integer({ min: 0, max: 1000 }),
  },
  { requiredKeys: [] },
);
const resilience = fc.record(
  {
    timeoutMs: ms,
    perTryTimeoutMs: ms,
    retries,
    outlierDetection: fc.record(
      {
        enabled: fc.boolean(),
        consecutive5xx: fc.integer({ min: 0, max: 1000 }),
        consecutiveGatewayErrors: fc.integer({ min: 0, max: 1000 }),
        baseEjectionMs: ms,
        maxEjectionMs: ms,
        maxEjectionPercent: percent,
        panicThresholdPercent: percent,
      },
      { requiredKeys: [] },
    ),
    circuitBreaker: fc.record(
      { maxConcurrent: fc.integer({ min: 1, max: 100_000 }), maxPending: fc.integer({ min: 0, max: 100_000 }) },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: [] },
);
const versionLabel = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,8}$/).filter(notReserved);
const serviceName = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/);
const headerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/).filter(notReserved);
const split = fc
  .dictionary(versionLabel, fc.integer({ min: 0, max: 10_000 }), { minKeys: 1, maxKeys: 5 })
  .filter((s) => Object.values(s).some((w) => w > 0));
const route = fc
  .tuple(
    fc.record(
      {
        name: fc.string({ maxLength: 64 }),
        match: fc.record(
          {
            pathPrefix: fc.string({ maxLength: 60 }).map((s) => `/${s}`),
            headers: fc.dictionary(headerName, fc.string({ maxLength: 40 }), { maxKeys: 5 }),
            headersPresent: fc.array(headerName, { maxLength: 5 }),
          },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    ),
    fc.oneof(
      versionLabel.map((version) => ({ version })),
      split.map((s) => ({ split: s })),
    ),
  )
  .map(([r, to]) => ({ ...r, ...to }));
const policyDocument = fc.record(
  {
    balancer: fc.constantFrom('round-robin', 'random', 'weighted', 'least-request', 'peak-ewma'),
    resilience,
    routes: fc.array(route, { maxLength: 4 }),
    split,
    accessLog: fc.record({ sampleRate: fc.double({ min: 0, max: 1, noNaN: true }).map(plain) }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);
const versionDocument = fc.record({ resilience }, { requiredKeys: [] });

interface Doc {
  key: string;
  kind: 'policy' | 'version';
  doc: Record<string, unknown>;
}
const mesh = fc
  .tuple(
    fc.option(policyDocument, { nil: undefined }),
    fc.dictionary(
      serviceName,
      fc.tuple(
        fc.option(policyDocument, { nil: undefined }),
        fc.dictionary(versionLabel, versionDocument, { maxKeys: 2 }),
      ),
      { maxKeys: 3 },
    ),
  )
  .map(([defaults, services]) => {
    const docs: Doc[] = [];
    if (defaults !== undefined) docs.push({ key: defaultsKey('shop'), kind: 'policy', doc: defaults });
    for (const [s, [doc, versions]] of Object.entries(services)) {
      if (doc !== undefined) docs.push({ key: serviceKey('shop', s), kind: 'policy', doc });
      for (const [v, vdoc] of Object.entries(versions)) {
        docs.push({ key: versionKey('shop', s, v), kind: 'version', doc: vdoc });
      }
    }
    return docs;
  })
  .filter((docs) => docs.length > 0);

const asEntries = (docs: readonly Doc[], pretty: boolean) =>
  docs.map((d) => ({ key: d.key, value: JSON.stringify(d.doc, null, pretty ? 2 : undefined) }));

// ---- mutations: each turns one valid document into a text that must be rejected

interface Mutation {
  name: string;
  text: string;
  /** Every rejection message must start with or contain this (the field, or the document). */
  field: string;
}

function setPath(doc: Record<string, unknown>, path: readonly string[], value: unknown): Record<string, unknown> {
  const out = structuredClone(doc);
  let node = out;
  for (const seg of path.slice(0, -1)) {
    const next = node[seg];
    node[seg] = typeof next === 'object' && next !== null && !Array.isArray(next) ? next : {};
    node = node[seg] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
  return out;
}
/** An own key even for `__proto__`, which an object literal would turn into the prototype. */
function withOwnKey(obj: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const out = { ...obj };
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  return out;
}
function nest(depth: number, leaf: unknown): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? [v] : { a: v };
  return v;
}
const pathText = (path: readonly string[]) => (path.length === 0 ? '(top level)' : path.join('.'));

/** Mutations shared by every kind of document; `fields` lists [path, wrong value] pairs for the kind. */
function mutations(
  base: Record<string, unknown>,
  kind: {
    wrongTypes: [string[], unknown][];
    outOfRange: [string[], unknown][];
    objects: string[][];
    /** Records take new keys (judged by their key pattern), so only the reserved ones are mutations there. */
    records: string[][];
    knownKeys: ReadonlySet<string>;
    hugeString: (s: string) => [string[], Record<string, unknown>];
    deep: string[];
    maxBytes: number;
  },
): fc.Arbitrary<Mutation> {
  const doc = (name: string, d: Record<string, unknown>, field: string[]) =>
    ({ name, text: JSON.stringify(d), field: pathText(field) }) as Mutation;
  return fc.oneof(
    fc.constantFrom(...kind.wrongTypes).map(([path, v]) => doc('wrong type', setPath(base, path, v), path)),
    fc.constantFrom(...kind.outOfRange).map(([path, v]) => doc('out of range', setPath(base, path, v), path)),
    fc
      .tuple(
        fc.constantFrom(...kind.objects),
        fc.stringMatching(/^[A-Za-z_$][A-Za-z0-9_$]{0,12}$/).filter((k) => !kind.knownKeys.has(k) && notReserved(k)),
      )
      .map(([path, key]) => ({
        name: 'extra key',
        text: JSON.stringify(path.length === 0 ? { ...base, [key]: 1 } : setPath(base, [...path, key], 1)),
        field: `${pathText(path)}: unknown key "${key}"`,
      })),
    fc.integer({ min: 1025, max: 40_000 }).map((n) => {
      const [path, d] = kind.hugeString('x'.repeat(n));
      const text = JSON.stringify(d);
      return { name: 'huge string', text, field: text.length > kind.maxBytes ? 'bytes; at most' : pathText(path) };
    }),
    fc.integer({ min: 1, max: 80 }).map((depth) => ({
      name: 'deep nesting',
      text: JSON.stringify(setPath(base, [kind.deep[0]!], nest(depth, 1))),
      field: kind.deep[0]!,
    })),
    fc
      .constantFrom('[]', '[{}]', '0', '"{}"', 'null', 'true', '-1e308')
      .map((text) => ({ name: 'not an object', text, field: '(top level): expected a JSON object' })),
    fc.constant(0).map(() => {
      const entries = Object.entries(base);
      const [k, v] = entries[0] ?? [kind.deep[0]!, {}];
      const all = entries.length === 0 ? [[k, v]] : entries;
      const text = `{${[...all, [k, v]].map(([a, b]) => `${JSON.stringify(a)}:${JSON.stringify(b)}`).join(',')}}`;
      return { name: 'duplicate key', text, field: `${k}: duplicate key "${k}"` };
    }),
    fc.tuple(fc.constantFrom(...RESERVED_JSON_KEYS), fc.constantFrom(...kind.objects)).map(([key, path]) => {
      const parent = path.length === 0 ? base : (setPath(base, path, {}) as Record<string, unknown>);
      let d: Record<string, unknown>;
      if (path.length === 0) d = withOwnKey(base, key, { enabled: true });
      else {
        d = structuredClone(parent);
        let node = d;
        for (const seg of path.slice(0, -1)) node = node[seg] as Record<string, unknown>;
        const last = path[path.length - 1]!;
        node[last] = withOwnKey((node[last] as Record<string, unknown>) ?? {}, key, 1);
      }
      return {
        name: 'prototype key',
        text: JSON.stringify(d),
        field: `${pathText([...path, key])}: the key "${key}" is not allowed`,
      };
    }),
    fc.constantFrom('', ' ', '\n\t  ').map((text) => ({ name: 'empty', text, field: 'empty document' })),
    fc.integer({ min: 1, max: 1000 }).map((cut) => {
      const full = JSON.stringify(base, null, 2);
      return { name: 'not JSON', text: full.slice(0, Math.min(cut, full.length - 1)), field: 'not JSON' };
    }),
  );
}

const POLICY_KEYS = new Set(['balancer', 'resilience', 'routes', 'split', 'accessLog']);
const RESILIENCE_KEYS = new Set(['timeoutMs', 'perTryTimeoutMs', 'retries', 'outlierDetection', 'circuitBreaker']);
const RETRY_KEYS = new Set([
  'maxRetries',
  'retryOnStatuses',
  'backoffBaseMs',
  'backoffMaxMs',
  'budgetPercent',
  'budgetMinPerSecond',
  'budgetMinConcurrent',
]);
const resilienceWrong: [string[], unknown][] = [
  [['resilience'], 'fast'],
  [['resilience', 'timeoutMs'], '5s'],
  [['resilience', 'retries', 'maxRetries'], true],
  [['resilience', 'retries', 'retryOnStatuses'], 503],
  [['resilience', 'outlierDetection', 'enabled'], 'yes'],
  [['resilience', 'circuitBreaker'], [1]],
];
const resilienceOutOfRange: [string[], unknown][] = [
  [['resilience', 'timeoutMs'], 0],
  [['resilience', 'timeoutMs'], 600_001],
  [['resilience', 'perTryTimeoutMs'], 1.5],
  [['resilience', 'retries', 'maxRetries'], 11],
  [['resilience', 'retries', 'maxRetries'], -1],
  [['resilience', 'retries', 'budgetPercent'], 100.5],
  [['resilience', 'retries', 'backoffMaxMs'], 1e308],
  [['resilience', 'outlierDetection', 'maxEjectionPercent'], -0.1],
  [['resilience', 'circuitBreaker', 'maxConcurrent'], 0],
];

function configMutation(d: Doc): fc.Arbitrary<Mutation> {
  const objects = [[], ['resilience'], ['resilience', 'retries']];
  if (d.kind === 'version') {
    return mutations(d.doc, {
      wrongTypes: [...resilienceWrong, [['balancer'], 'random']].map(([p, v]) =>
        p[0] === 'balancer' ? [[], v] : [p, v],
      ) as [string[], unknown][],
      outOfRange: resilienceOutOfRange,
      objects,
      records: [],
      knownKeys: new Set([...RESILIENCE_KEYS, ...RETRY_KEYS, 'resilience']),
      hugeString: (s) => [['resilience', 'timeoutMs'], setPath(d.doc, ['resilience', 'timeoutMs'], s)],
      deep: ['resilience'],
      maxBytes: MAX_CONFIG_DOCUMENT_BYTES,
    });
  }
  return mutations(d.doc, {
    wrongTypes: [
      [['balancer'], 42],
      [['balancer'], 'fastest'],
      [['routes'], {}],
      [['split'], [90, 10]],
      [['accessLog', 'sampleRate'], '0.5'],
      ...resilienceWrong,
    ],
    outOfRange: [
      [['accessLog', 'sampleRate'], 1.01],
      [['split', 'v1'], -1],
      [['split', 'v1'], 10_001],
      [['routes'], Array.from({ length: 101 }, () => ({ version: 'v1' }))],
      ...resilienceOutOfRange,
    ],
    objects: [...objects, ['accessLog']],
    records: [['split']],
    knownKeys: new Set([...POLICY_KEYS, ...RESILIENCE_KEYS, ...RETRY_KEYS, 'sampleRate']),
    hugeString: (s) => [['routes', '0', 'name'], { ...d.doc, routes: [{ name: s, version: 'v1' }] }],
    deep: ['routes'],
    maxBytes: MAX_CONFIG_DOCUMENT_BYTES,
  });
}

/** `routes.0.name` in a mutation's path is `routes[0].name` in messages. */
const asMessagePath = (field: string) => field.replace(/\.(\d+)(?=\.|$)/g, '[$1]');

describe('live config documents (property)', () => {
  it('generated valid documents are accepted and round-trip', () => {
    fc.assert(
      fc.property(mesh, fc.boolean(), (docs, pretty) => {
        tally.config.valid += docs.length;
        const r = judgeConfigEntries('shop', asEntries(docs, pretty));
        expect(r.rejected).toEqual([]);
        for (const d of docs) expect(r.inEffect.get(d.key)).toEqual(normalize(d.doc));
      }),
      { numRuns: 300 },
    );
  });

  it('a mutated document is rejected by its key and field, never throws, and changes nothing else', () => {
    const arb = mesh.chain((docs) =>
      fc.nat({ max: docs.length - 1 }).chain((i) => configMutation(docs[i]!).map((m) => ({ docs, i, m }))),
    );
    fc.assert(
      fc.property(arb, ({ docs, i, m }) => {
        const t = tally.config;
        t.mutated++;
        t.byMutation[m.name] = (t.byMutation[m.name] ?? 0) + 1;
        const target = docs[i]!;
        const entries = asEntries(docs, false);
        const mutated = entries.map((e, j) => (j === i ? { key: e.key, value: m.text } : e));
        let withHistory, stateless, without, before;
        try {
          before = judgeConfigEntries('shop', entries);
          withHistory = judgeConfigEntries('shop', mutated, before.inEffect);
          stateless = judgeConfigEntries('shop', mutated);
          without = judgeConfigEntries(
            'shop',
            entries.filter((_, j) => j !== i),
          );
        } catch (err) {
          t.crashes++;
          throw err;
        }
        if (withHistory.rejected.length === 0) t.wrongAcceptances++;
        expect(withHistory.rejected.map((r) => r.key)).toEqual([target.key]);
        const text = withHistory.rejected[0]!.problems.join('\n');
        const field = m.name === 'empty' ? EMPTY_DOCUMENT_MESSAGE : asMessagePath(m.field);
        expect(text).toContain(field);
        // This sidecar keeps the key's last good version: nothing changes at all.
        expect(withHistory.snapshot).toEqual(before.snapshot);
        expect(withHistory.rejected[0]!.inEffect).toBe('last-good');
        // Without history the key inherits: exactly as if it were absent.
        expect(stateless.snapshot).toEqual(without.snapshot);
      }),
      { numRuns: 1000 },
    );
    expect(tally.config.crashes).toBe(0);
    expect(tally.config.wrongAcceptances).toBe(0);
  }, 30_000);
});

// ---- faults

const NOW = Date.parse('2030-01-01T12:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const faultId = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,20}$/);
const httpAction = fc.oneof(
  fc.record({
    type: fc.constant('delay'),
    fixedMs: fc.integer({ min: 0, max: 600_000 }),
    jitterMs: fc.integer({ min: 0, max: 600_000 }),
  }),
  fc.record({ type: fc.constant('abort'), status: fc.integer({ min: 200, max: 599 }) }),
  fc.constantFrom({ type: 'reset' }, { type: 'blackhole' }),
  fc.record({ type: fc.constant('bandwidth'), bytesPerSecond: fc.integer({ min: 1, max: 10 * 1024 ** 3 }) }),
  fc.record(
    {
      type: fc.constant('flaky'),
      first: fc.integer({ min: 1, max: MAX_FLAKY_FIRST }),
      status: fc.integer({ min: 200, max: 599 }),
    },
    { requiredKeys: ['type', 'first'] },
  ),
);
const tcpAction = fc.oneof(
  fc.record({ type: fc.constant('tcp-latency'), fixedMs: fc.integer({ min: 0, max: 600_000 }) }),
  fc.constant({ type: 'tcp-reset' }),
  fc.record({ type: fc.constant('tcp-bandwidth'), bytesPerSecond: fc.integer({ min: 1, max: 10 * 1024 ** 3 }) }),
  fc.record({ type: fc.constant('tcp-flaky'), first: fc.integer({ min: 1, max: MAX_FLAKY_FIRST }) }),
);
/** Flaky kinds fail an exact count: their percent is always 100. */
const isFlaky = (action: { type: string }) => action.type === 'flaky' || action.type === 'tcp-flaky';
const httpMatch = fc.record(
  {
    pathPrefix: fc.string({ maxLength: 60 }).map((s) => `/${s}`),
    headers: fc.dictionary(headerName, fc.string({ maxLength: 40 }), { maxKeys: 5 }),
    source: serviceName,
  },
  { requiredKeys: [] },
);
const faultBody = fc
  .tuple(
    serviceName,
    fc.oneof(
      // inbound, optionally towards one version or instance
      fc
        .record({ version: versionLabel, instance: fc.nat({ max: 20 }) }, { requiredKeys: [] })
        .map((t) => ({ where: 'inbound' as const, t, from: undefined as string | undefined })),
      // outbound, the whole service, optionally from one caller
      fc.option(serviceName, { nil: undefined }).map((from) => ({ where: 'outbound' as const, t: {}, from })),
    ),
    fc.oneof(
      fc.tuple(httpAction, httpMatch),
      tcpAction.map((a) => [a, {}] as const),
    ),
    fc.double({ min: 0, max: 100, noNaN: true }).map(plain),
    fc.integer({ min: 0, max: 3_600_000 }),
    fc.integer({ min: 1000, max: 24 * 3_600_000 }),
    fc.option(fc.string({ maxLength: 200 }), { nil: undefined }),
  )
  .map(([service, w, [action, match], pct, age, ttl, createdBy]) => {
    const t = w.t as { version?: string; instance?: number };
    return {
      action,
      target: {
        service,
        ...(t.version === undefined ? {} : { version: t.version }),
        ...(t.instance === undefined ? {} : { instance: `${service}-${t.instance}` }),
      },
      where: w.where,
      ...(w.from === undefined ? {} : { from: w.from }),
      match,
      percent: isFlaky(action) ? 100 : pct,
      createdAt: iso(NOW - age),
      expiresAt: iso(NOW + ttl),
      ...(createdBy === undefined ? {} : { createdBy }),
    };
  });
const faultSet = fc.uniqueArray(
  fc.tuple(faultId, faultBody).map(([id, body]) => ({ id, ...body }) as Record<string, unknown>),
  { minLength: 1, maxLength: 5, selector: (f) => f.id },
);
const partitionEntry = {
  key: partitionKey('shop', 'p1'),
  value: JSON.stringify({ id: 'p1', a: ['gateway'], b: ['catalog'], createdAt: iso(NOW) }),
};

const FAULT_KEYS = new Set([
  'id',
  'action',
  'target',
  'where',
  'from',
  'match',
  'percent',
  'createdAt',
  'expiresAt',
  'createdBy',
  'service',
  'version',
  'instance',
  'pathPrefix',
  'headers',
  'source',
  'type',
  'fixedMs',
  'jitterMs',
  'status',
  'bytesPerSecond',
  'first',
]);

/** Mistakes only a flaky fault can carry: its count, its status, a percentage other than 100. */
function flakyMistakes(action: { type: string }): [string[], unknown][] {
  if (!isFlaky(action)) return [];
  const http: [string[], unknown][] = [
    [['action', 'status'], '503'],
    [['action', 'status'], 100],
    [['action', 'status'], 600],
  ];
  return [
    [['action', 'first'], '3'],
    [['action', 'first'], null],
    [['action', 'first'], 0],
    [['action', 'first'], MAX_FLAKY_FIRST + 1],
    [['action', 'first'], 2.5],
    [['percent'], 50],
    [['percent'], 0],
    ...(action.type === 'flaky' ? http : []),
  ];
}

function faultMutation(f: Record<string, unknown>): fc.Arbitrary<Mutation> {
  const id = f.id as string;
  const general = mutations(f, {
    wrongTypes: [
      [['percent'], '50%'],
      [['target', 'service'], 5],
      [['expiresAt'], 'tomorrow'],
      [['target'], 'catalog'],
      [['where'], 'sideways'],
      [['id'], 7],
    ],
    outOfRange: [
      [['percent'], 101],
      [['percent'], -1],
      [['expiresAt'], '9999-12-31T23:59:59.000Z'],
      [['expiresAt'], iso(NOW + 25 * 3_600_000)],
      [['id'], `${id}x`],
      [['id'], 'Upper Case'],
    ],
    objects: [[], ['target']],
    records: [['match', 'headers']],
    knownKeys: FAULT_KEYS,
    hugeString: (s) => [['createdBy'], { ...f, createdBy: s }],
    deep: ['match'],
    maxBytes: MAX_FAULT_DOCUMENT_BYTES,
  });
  const mistakes = flakyMistakes(f.action as { type: string });
  if (mistakes.length === 0) return general;
  const flaky = fc
    .constantFrom(...mistakes)
    .map(([path, v]) => ({ name: 'flaky field', text: JSON.stringify(setPath(f, path, v)), field: pathText(path) }));
  return fc.oneof({ arbitrary: general, weight: 2 }, { arbitrary: flaky, weight: 1 });
}

describe('fault documents (property)', () => {
  it('generated valid faults are accepted and round-trip', () => {
    fc.assert(
      fc.property(faultSet, (faults) => {
        tally.faults.valid += faults.length;
        tally.faults.flakyValid += faults.filter((f) => isFlaky(f.action as { type: string })).length;
        const set = parseFaultEntries(
          'shop',
          faults.map((f, i) => ({
            key: faultRuleKey('shop', f.id as string),
            value: JSON.stringify(f),
            createIndex: i,
          })),
          NOW,
        );
        expect(set.problems).toEqual([]);
        expect(set.faults).toEqual(faults.map((f) => FaultDocument.parse(normalize(f))));
        for (const [i, f] of faults.entries()) expect(set.faults[i]).toMatchObject(normalize(f));
      }),
      { numRuns: 300 },
    );
  });

  it('a mutated fault is rejected by its key and field, never throws, and changes nothing else', () => {
    const arb = faultSet.chain((faults) =>
      fc.nat({ max: faults.length - 1 }).chain((i) => faultMutation(faults[i]!).map((m) => ({ faults, i, m }))),
    );
    fc.assert(
      fc.property(arb, ({ faults, i, m }) => {
        const t = tally.faults;
        t.mutated++;
        t.byMutation[m.name] = (t.byMutation[m.name] ?? 0) + 1;
        if (isFlaky(faults[i]!.action as { type: string })) t.flakyMutated++;
        const entries = [
          ...faults.map((f, j) => ({
            key: faultRuleKey('shop', f.id as string),
            value: j === i ? m.text : JSON.stringify(f),
            createIndex: j,
          })),
          partitionEntry,
        ];
        let set;
        try {
          set = parseFaultEntries('shop', entries, NOW);
        } catch (err) {
          t.crashes++;
          throw err;
        }
        const key = faultRuleKey('shop', faults[i]!.id as string);
        if (set.faults.length === faults.length) t.wrongAcceptances++;
        expect(new Set(set.problems.map((p) => p.key))).toEqual(new Set([key]));
        const text = set.problems.map((p) => p.message).join('\n');
        const field =
          m.field === 'empty document'
            ? 'empty document; delete the key to remove it'
            : m.field === 'id'
              ? 'id'
              : asMessagePath(m.field);
        expect(text).toContain(field);
        expect(set.faults).toEqual(faults.filter((_, j) => j !== i).map((f) => FaultDocument.parse(normalize(f))));
        expect(set.partitions.map((p) => p.id)).toEqual(['p1']);
      }),
      { numRuns: 1000 },
    );
    expect(tally.faults.crashes).toBe(0);
    expect(tally.faults.wrongAcceptances).toBe(0);
    expect(tally.faults.flakyMutated).toBeGreaterThan(0);
  }, 30_000);
});
