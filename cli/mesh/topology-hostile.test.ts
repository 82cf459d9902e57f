import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Topology } from '../../proxy/schema/index.js';
import { INSTANCE_PORTS, SidecarBootstrap, SIDECAR_BOOTSTRAP_ENV } from '../../proxy/schema/index.js';
import type { ComposeFile } from '../compose/render.js';
import { renderProject, toYaml } from '../compose/render.js';
import { unescapeInterpolation } from '../compose/literal.js';
import { UsageError } from '../errors.js';
import { parseTopology } from './load.js';
import { resolveMesh } from './model.js';

/**
 * Generated hostile topologies, as text: each is either refused as bad input (a UsageError, exit
 * 2, every line naming the file and, past the reading of the YAML, the line, column and field) or
 * accepted, and then renders a Compose file that parses back to exactly what was rendered, in which
 * nothing of the topology overrides what meshdev sets (ports, injected env) and every computed
 * port is in 1..65535 and distinct within its network namespace. Nothing else may be thrown, and no
 * document may take long.
 */

const SOURCE = 'hostile.yaml';
/** Far above what any document here takes (a few ms): a document this slow is a hang in the making. */
const SLOW_MS = 3000;

const stats = { tried: 0, accepted: 0, refused: 0, crashes: 0, wrongAcceptances: 0, slowest: 0 };

const hostileChar = fc.oneof(
  fc.constantFrom(
    '$',
    '${',
    '}',
    '{',
    '[',
    ']',
    '"',
    "'",
    '\\',
    '\n',
    '\r',
    '\t',
    ' ',
    '#',
    ': ',
    '- ',
    '---',
    '&',
    '*',
  ),
  fc.constantFrom(
    '!',
    '!!',
    '%',
    '|',
    '>',
    '?',
    ',',
    '@',
    '`',
    '\0',
    '\u0001',
    '\u0085',
    '\u2028',
    '\ufeff',
    'é',
    '😀',
  ),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);
const hostileText = fc.string({ unit: hostileChar, maxLength: 24 });
/** Text a topology accepts in values (everything but NUL), hostile to YAML and Compose all the same. */
const valueText = fc.string({ unit: hostileChar.filter((c) => c !== '\0'), maxLength: 24 });

const serviceName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('alpha', 'beta', 'gamma', 'delta', 'api-2') },
  { weight: 1, arbitrary: fc.constantFrom('consul', 'ingress', 'A', 'x', '-bad', 'a'.repeat(40), '__proto__') },
  { weight: 1, arbitrary: hostileText },
);

const envName = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,5}$/) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('PORT', 'HOST', 'MESHDEV_INSTANCE', 'MESHDEV_X', 'ALPHA_URL', 'BETA_URL', 'GAMMA_URL'),
  },
  { weight: 1, arbitrary: hostileText },
);

const scalar = fc.oneof(
  { weight: 4, arbitrary: hostileText },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null)) },
);

const port = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(3000, 8080, 1, 65535) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      INSTANCE_PORTS.admin,
      INSTANCE_PORTS.inbound,
      INSTANCE_PORTS.firstOutbound,
      INSTANCE_PORTS.firstOutbound + 1,
      INSTANCE_PORTS.firstOutbound + 2,
    ),
  },
  { weight: 1, arbitrary: fc.oneof(fc.integer({ min: -10, max: 70_000 }), fc.double(), hostileText) },
);

const upstream = fc.oneof(
  { weight: 4, arbitrary: serviceName },
  {
    weight: 2,
    arbitrary: fc.record(
      { service: serviceName, protocol: fc.constantFrom('http', 'tcp', 'udp') },
      { requiredKeys: ['service'] },
    ),
  },
);

const env = fc.dictionary(envName, scalar, { maxKeys: 6 });
const command = fc.array(hostileText, { maxLength: 4 });
const replicas = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom(20, 21, 50, -1, 1.5));

const service = fc.record(
  {
    port,
    upstreams: fc.array(upstream, { maxLength: 5 }),
    env,
    command,
    image: hostileText,
    build: fc.oneof(hostileText, fc.record({ context: hostileText, args: fc.dictionary(hostileText, hostileText) })),
    replicas,
    versions: fc.dictionary(
      fc.oneof(fc.constantFrom('v1', 'v2', '1.0'), hostileText),
      fc.record({ replicas, env, weight: fc.constantFrom(1, 100, 0) }, { requiredKeys: [] }),
      { maxKeys: 3 },
    ),
    healthPath: fc.oneof(
      fc.constant('/healthz'),
      hostileText.map((t) => `/${t}`),
    ),
    ingress: fc.boolean(),
    unknownKey: hostileText,
  },
  { requiredKeys: ['port'] },
);

const wildTopology = fc.record(
  {
    name: fc.oneof(fc.constantFrom('shop', 'mesh-1'), hostileText),
    services: fc.dictionary(serviceName, service, { minKeys: 1, maxKeys: 4 }),
    loadgen: fc.record({ path: hostileText.map((t) => `/${t}`), rate: fc.integer({ min: -1, max: 6000 }) }),
    ports: fc.record({ ingress: port, consul: port }, { requiredKeys: [] }),
  },
  { requiredKeys: ['name', 'services'] },
);

/** A topology a user might write, with hostile text only where text goes: accepted as often as not. */
const plausibleService = fc.record(
  {
    port: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(3000, 8080, 15001, 15100) }, { weight: 1, arbitrary: port }),
    upstreams: fc.array(
      fc.oneof(
        fc.constantFrom('alpha', 'beta', 'gamma', 'delta'),
        fc.record({
          service: fc.constantFrom('alpha', 'beta', 'gamma', 'delta'),
          protocol: fc.constantFrom('http', 'tcp'),
        }),
      ),
      { maxLength: 3 },
    ),
    env: fc.dictionary(
      fc.oneof(
        { weight: 19, arbitrary: fc.stringMatching(/^[A-Z][A-Z0-9_]{0,5}$/) },
        { weight: 1, arbitrary: envName },
      ),
      fc.oneof(
        { weight: 4, arbitrary: valueText },
        { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean()) },
      ),
      { maxKeys: 5 },
    ),
    command: fc.array(valueText, { minLength: 1, maxLength: 4 }),
    image: valueText.filter((t) => t.length > 0),
    replicas: fc.integer({ min: 0, max: 3 }),
    healthPath: fc.stringMatching(/^\/[\x21-\x7e]{0,12}$/),
  },
  { requiredKeys: ['port'] },
);

const plausibleTopology = fc
  .record({
    name: fc.constantFrom('shop', 'mesh-1'),
    services: fc.dictionary(fc.constantFrom('alpha', 'beta', 'gamma', 'delta'), plausibleService, {
      minKeys: 1,
      maxKeys: 4,
    }),
    loadgen: fc.record({ path: fc.stringMatching(/^\/[\x21-\x7e]{0,12}$/) }),
  })
  .map((t) => {
    // Upstreams name only other services the document has (the wild topologies keep the rest).
    const names = Object.keys(t.services);
    const services = Object.fromEntries(
      Object.entries(t.services).map(([name, svc]) => [
        name,
        {
          ...svc,
          upstreams: svc.upstreams?.filter((u) => {
            const target = typeof u === 'string' ? u : u.service;
            return target !== name && names.includes(target);
          }),
        },
      ]),
    );
    return { ...t, services };
  });

/** YAML that a parser may choke on, spliced into an otherwise generated document. */
const hostileSnippet = fc.oneof(
  fc.constantFrom(
    '*undefined',
    '&a [*a]',
    '!!js/function "function(){}"',
    '!!binary aGk=',
    '!!set {a, b}',
    '!local x',
    '\n---\nname: second\n',
    '\n...\n',
    '%YAML 1.1\n---\n',
    '<<: {port: 1}',
    '? [a, b]\n: c',
    '__proto__: {polluted: true}',
    '\ufeff',
    '\t- tab',
    '"unclosed',
    '{unclosed: [',
    '\u0000',
    '\x1b[31m',
    'port: 15000',
    'env: {PORT: "1"}',
  ),
  fc.integer({ min: 30, max: 5000 }).map((n) => '['.repeat(n)),
  fc.integer({ min: 30, max: 2000 }).map((n) => '- '.repeat(n)),
  fc.integer({ min: 1, max: 12 }).map((depth) => {
    // A billion-laughs ladder: each level aliases the previous one nine times.
    const lines = ['l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i <= depth; i++)
      lines.push(
        `l${i}: &l${i} [${Array(9)
          .fill(`*l${i - 1}`)
          .join(', ')}]`,
      );
    return `${lines.join('\n')}\n`;
  }),
);

const asWritten = (object: unknown) => ({ text: stringify(object), object, mutated: false });

const document: fc.Arbitrary<{ text: string; object: unknown; mutated: boolean }> = fc.oneof(
  // A generated topology as YAML, as written.
  { weight: 4, arbitrary: plausibleTopology.map(asWritten) },
  { weight: 2, arbitrary: wildTopology.map(asWritten) },
  // The same with hostile YAML spliced in at some place, or cut short there.
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.oneof(plausibleTopology, wildTopology), hostileSnippet, fc.nat(), fc.boolean())
      .map(([object, snippet, at, cut]) => {
        const text = stringify(object);
        const i = at % (text.length + 1);
        return { text: cut ? text.slice(0, i) : text.slice(0, i) + snippet + text.slice(i), object, mutated: true };
      }),
  },
  // Text from YAML's own punctuation, hardly ever a topology.
  { weight: 1, arbitrary: hostileText.map((text) => ({ text, object: undefined, mutated: true })) },
);

const images = { runtime: 'rt:1', consul: 'c:1', prometheus: 'p:1', grafana: 'g:1' };

/** Everything an accepted topology must give: checked on the rendered project, failing the property otherwise. */
function checkAccepted(topology: Topology, generated: unknown, mutated: boolean): void {
  const mesh = resolveMesh(topology);
  const { compose } = renderProject(mesh, { images, topologyDir: '/srv/mesh', grafanaDir: '/pkg/grafana' });
  // The Compose file parses back to exactly what was rendered, every value un-escaped, nothing added.
  const back = unescapeInterpolation(parse(toYaml(compose, SOURCE))) as ComposeFile;
  expect(back).toEqual(JSON.parse(JSON.stringify(compose)));

  for (const instance of mesh.instances) {
    const app = compose.services[instance.appContainer]!.environment!;
    // What meshdev sets is what the app gets: nothing in the topology's env replaced it.
    expect(app.PORT).toBe(String(instance.appPort));
    expect(app.HOST).toBe('127.0.0.1');
    expect(app.MESHDEV_INSTANCE).toBe(instance.id);
    for (const u of instance.upstreams) expect(app[u.envName]).toBe(u.url);
    // The topology's own env reaches the app exactly as written.
    for (const [k, v] of Object.entries(instance.env)) expect(app[k]).toBe(v);

    const boot = SidecarBootstrap.parse(
      JSON.parse(compose.services[instance.sidecarContainer]!.environment![SIDECAR_BOOTSTRAP_ENV]!),
    );
    const namespacePorts = [
      boot.admin.port,
      boot.inbound.port,
      boot.app!.port,
      ...boot.upstreams.map((u) => u.listen.port),
    ];
    for (const p of namespacePorts) expect(p >= 1 && p <= 65535).toBe(true);
    expect(new Set(namespacePorts).size).toBe(namespacePorts.length);
    const upstreamServices = boot.upstreams.map((u) => u.service);
    expect(new Set(upstreamServices).size).toBe(upstreamServices.length);
  }

  // A document written as generated (no YAML spliced in) was read as written: env values as text.
  if (!mutated && generated !== null && typeof generated === 'object') {
    const services = (generated as { services: Record<string, { env?: Record<string, unknown> }> }).services;
    for (const [name, spec] of Object.entries(topology.services)) {
      for (const [k, v] of Object.entries(spec.env)) expect(String(v)).toBe(String(services[name]?.env?.[k]));
    }
  }
}

function checkRefusal(err: unknown): void {
  expect(err).toBeInstanceOf(UsageError);
  expect((err as UsageError).exitCode).toBe(2);
  const [head, ...lines] = (err as Error).message.split('\n');
  // Text from the file is quoted with escapes: no line break, control character or terminal escape of its own.
  for (const line of lines) expect(line).toMatch(/^[\x20-\x7e]*$/);
  if (head === 'invalid YAML') {
    expect(lines.length).toBeGreaterThan(0);
    // file:line:col: [field: ]what is wrong (no field when the text could not be read that far)
    for (const line of lines) expect(line).toMatch(/^hostile\.yaml:\d+:\d+: \S/);
  } else if (head === 'invalid topology') {
    expect(lines.length).toBeGreaterThan(0);
    // file:line:col: field: what was expected
    for (const line of lines) expect(line).toMatch(/^hostile\.yaml(:\d+:\d+: \S.*: \S.*|: and \d+ more)$/);
  } else {
    expect(head).toMatch(/^hostile\.yaml: \d+ bytes; a topology file may have at most/);
  }
}

describe('hostile topologies (property)', () => {
  const RUNS = Number(process.env.MESHDEV_FUZZ_RUNS ?? 600);

  afterAll(() => {
    // The counts the hardening report quotes (MESHDEV_FUZZ_RUNS=5000 for a longer run).
    console.log(`hostile topologies: ${JSON.stringify(stats)}`);
  });

  it(`loads and renders faithfully, or refuses with exit 2 naming file and field; never anything else (${RUNS} documents)`, () => {
    fc.assert(
      fc.property(document, ({ text, object, mutated }) => {
        stats.tried++;
        const started = performance.now();
        let topology: Topology | undefined;
        let refusal: unknown;
        try {
          topology = parseTopology(text, SOURCE);
        } catch (err) {
          refusal = err;
        }
        const elapsed = performance.now() - started;
        stats.slowest = Math.max(stats.slowest, Math.round(elapsed));
        expect(elapsed).toBeLessThan(SLOW_MS);
        if (topology === undefined) {
          stats.refused++;
          if (!(refusal instanceof UsageError)) stats.crashes++;
          checkRefusal(refusal);
          return;
        }
        stats.accepted++;
        try {
          checkAccepted(topology, object, mutated);
        } catch (err) {
          stats.wrongAcceptances++;
          throw err;
        }
      }),
      { numRuns: RUNS },
    );
  }, 120_000);

  it('the generators reach both outcomes (a property that only ever refuses proves nothing)', () => {
    expect(stats.accepted).toBeGreaterThan(0);
    expect(stats.refused).toBeGreaterThan(0);
  });
});
