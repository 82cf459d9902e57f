import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTANCE_PORTS, TOPOLOGY_LIMITS, upstreamListenerPort } from '../../proxy/schema/index.js';
import { UsageError } from '../errors.js';
import { DEMO_TOPOLOGY_PATH, parseTopology, readTopologyFile } from './load.js';

function problems(text: string | Uint8Array): string {
  try {
    parseTopology(text, 'mesh.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(2);
    return (err as Error).message;
  }
  throw new Error('expected the topology to be rejected');
}

describe('parseTopology', () => {
  it('accepts the bundled demo and fills defaults', () => {
    const topo = parseTopology(readFileSync(DEMO_TOPOLOGY_PATH, 'utf8'), DEMO_TOPOLOGY_PATH);
    expect(topo.name).toBe('shop');
    expect(topo.ports.ingress).toBe(8080);
    expect(topo.services.catalog?.replicas).toBe(3);
    expect(topo.services.gateway?.healthPath).toBe('/healthz');
  });

  it('names the file, the field path and what was expected', () => {
    const msg = problems('name: shop\nservices:\n  catalog:\n    port: 3000\n    replicas: lots\n');
    expect(msg).toMatch(/mesh\.yaml:5:5: services\.catalog\.replicas: .*number/);
  });

  it('rejects unknown upstreams with the list of known services', () => {
    const msg = problems('name: shop\nservices:\n  alpha:\n    port: 1\n    upstreams: [beta]\n');
    expect(msg).toContain('mesh.yaml:5:17: services.alpha.upstreams[0]: unknown service "beta"; known services: alpha');
  });

  it('rejects unknown keys instead of ignoring typos', () => {
    const msg = problems('name: shop\nservices:\n  alpha:\n    port: 1\n    replica: 2\n');
    expect(msg).toMatch(/services\.alpha.*replica/);
  });

  it('rejects replicas next to versions, and reserved names', () => {
    expect(
      problems('name: shop\nservices:\n  alpha:\n    port: 1\n    replicas: 2\n    versions: {v1: {}}\n'),
    ).toContain('services.alpha.replicas: with "versions"');
    expect(problems('name: shop\nservices:\n  consul:\n    port: 1\n')).toContain(
      'services.consul: "consul" is reserved',
    );
  });

  it('rejects two host ports that collide', () => {
    expect(problems('name: shop\nports: {ingress: 9000, consul: 9000}\nservices:\n  alpha: {port: 1}\n')).toContain(
      'ports.consul: port 9000 is already used by ports.ingress',
    );
  });

  it('reports YAML syntax errors with line and column', () => {
    expect(problems('name: shop\nservices:\n  alpha: [\n')).toMatch(/mesh\.yaml:\d+:\d+/);
  });
});

describe('service names', () => {
  it('explains what a valid service name is', () => {
    expect(problems('name: shop\nservices:\n  Bad_Name: {port: 1}\n')).toContain(
      'services.Bad_Name: a service name must be a lower-case DNS label',
    );
  });
});

describe('what meshdev itself puts in an instance is refused, with the reason', () => {
  it("refuses an app port the sidecar binds in the instance's network namespace", () => {
    expect(problems('name: shop\nservices:\n  alpha: {port: 15000}\n')).toContain(
      "mesh.yaml:3:11: services.alpha.port: port 15000 is the sidecar's admin listener in the same network namespace; pick another",
    );
    expect(problems('name: shop\nservices:\n  alpha: {port: 15006}\n')).toContain(
      "port 15006 is the sidecar's inbound listener in the same network namespace",
    );
    const up =
      'name: shop\nservices:\n  alpha: {port: PORT, upstreams: [beta, gamma]}\n  beta: {port: 1}\n  gamma: {port: 1}\n';
    expect(problems(up.replace('PORT', '15102'))).toContain(
      'port 15102 is the sidecar\'s listener for upstream "gamma" (upstreams[1]) in the same network namespace',
    );
    // One past the last listener, and the ports between the well-known ones, are the app's to take.
    for (const port of ['15103', '15001', '15100'])
      expect(parseTopology(up.replace('PORT', port), 'm').name).toBe('shop');
  });

  it('refuses env names meshdev sets for the app, in a service and in a version', () => {
    const msg = problems(
      'name: shop\nservices:\n  alpha:\n    port: 1\n    upstreams: [beta]\n    env: {PORT: 1, HOST: h, BETA_URL: x, OTHER_URL: y}\n    versions:\n      v1: {env: {MESHDEV_INSTANCE: i, MESHDEV_ANYTHING: j}}\n  beta: {port: 1}\n',
    );
    expect(msg).toContain('mesh.yaml:6:11: services.alpha.env.PORT: PORT is reserved: meshdev sets PORT to the port');
    expect(msg).toContain('services.alpha.env.HOST: HOST is reserved');
    expect(msg).toContain(
      'services.alpha.env.BETA_URL: BETA_URL is reserved: meshdev sets BETA_URL to the sidecar\'s listener for upstream "beta" (upstreams[0])',
    );
    expect(msg).not.toContain('OTHER_URL'); // not an upstream of alpha: the app's own business
    expect(msg).toContain(
      'mesh.yaml:8:18: services.alpha.versions.v1.env.MESHDEV_INSTANCE: MESHDEV_INSTANCE is reserved',
    );
    expect(msg).toContain("MESHDEV_ANYTHING is reserved: names starting with MESHDEV_ are meshdev's");
  });
});

describe('duplicates are refused, naming both places', () => {
  it('an upstream listed twice, whatever its protocol', () => {
    expect(
      problems(
        'name: shop\nservices:\n  alpha: {port: 1, upstreams: [beta, {service: beta, protocol: tcp}]}\n  beta: {port: 1}\n',
      ),
    ).toContain('mesh.yaml:3:38: services.alpha.upstreams[1]: "beta" is already upstreams[0]; list each upstream once');
  });

  it.each([
    [
      'a service',
      'name: shop\nservices:\n  alpha: {port: 1}\n  alpha: {port: 2}\n',
      'mesh.yaml:4:3: services.alpha: "alpha" is given twice (first at line 3, column 3)',
    ],
    [
      'a version',
      'name: shop\nservices:\n  alpha:\n    port: 1\n    versions:\n      v1: {}\n      "v1": {}\n',
      'mesh.yaml:7:7: services.alpha.versions.v1: "v1" is given twice (first at line 6, column 7)',
    ],
    [
      'an env name',
      'name: shop\nservices:\n  alpha: {port: 1, env: {A: 1, A: 2}}\n',
      'mesh.yaml:3:32: services.alpha.env.A: "A" is given twice (first at line 3, column 26)',
    ],
    [
      'a top-level key',
      'name: shop\nname: shop\nservices: {alpha: {port: 1}}\n',
      'mesh.yaml:2:1: name: "name" is given twice (first at line 1, column 1)',
    ],
  ])('%s given twice', (_what, text, expected) => {
    expect(problems(text)).toContain(expected);
  });

  it('a key YAML reads as a number, so "1.0" and 1.0 cannot silently become one version', () => {
    expect(problems('name: shop\nservices:\n  alpha:\n    port: 1\n    versions: {1.0: {}, "1": {}}\n')).toContain(
      'mesh.yaml:5:16: services.alpha.versions: the key 1.0 is read as a number; write it in quotes ("1.0") to mean the text',
    );
  });
});

describe('bounds', () => {
  const services = (n: number) =>
    `name: shop\nservices:\n${Array.from({ length: n }, (_, i) => `  s${i}x: {port: 1}\n`).join('')}`;

  it('every list and size has a limit, stated with its reason', () => {
    expect(parseTopology(services(50), 'm').name).toBe('shop');
    expect(problems(services(51))).toContain('mesh.yaml:2:1: services: at most 50 services (');
    const upstreams = Array.from({ length: 50 }, (_, i) => `s${i + 1}x`);
    expect(
      problems(`${services(51).replace('s0x: {port: 1}', `s0x: {port: 1, upstreams: [${upstreams.join(', ')}]}`)}`),
    ).toContain(
      'services.s0x.upstreams: at most 49 upstreams (each other service at most once; their listeners take ports 15101-15149)',
    );
    const env = Array.from({ length: 201 }, (_, i) => `E${i}: x`).join(',');
    expect(problems(`name: shop\nservices:\n  alpha: {port: 1, env: {${env}}}\n`)).toContain(
      'services.alpha.env: at most 200 entries (',
    );
    expect(problems(`name: shop\nservices:\n  alpha: {port: 1, command: [${'x, '.repeat(101)}x]}\n`)).toContain(
      'services.alpha.command: at most 100 arguments (',
    );
    expect(problems(`name: shop\nservices:\n  alpha: {port: 1, env: {A: "${'x'.repeat(16 * 1024 + 1)}"}}\n`)).toContain(
      'services.alpha.env.A: at most 16384 characters (',
    );
    expect(
      problems(
        'name: shop\nservices:\n  alpha: {port: 1, versions: {a: {replicas: 20}, b: {replicas: 20}, c: {replicas: 11}}}\n',
      ),
    ).toContain('services.alpha.versions: 51 instances; at most 50 per service');
    const wide = Array.from({ length: 11 }, (_, i) => `  s${i}x: {port: 1, replicas: 19}\n`).join('');
    expect(problems(`name: shop\nservices:\n${wide}`)).toContain('services: 209 instances; at most 200 in the mesh');
  });

  it("keeps every upstream listener a port, clear of the sidecar's other two", () => {
    const { services, upstreams } = TOPOLOGY_LIMITS;
    expect(upstreams.value).toBe(services.value - 1);
    const last = upstreamListenerPort(upstreams.value - 1);
    expect(last).toBeLessThanOrEqual(65535);
    expect(upstreamListenerPort(0)).toBeGreaterThan(Math.max(INSTANCE_PORTS.admin, INSTANCE_PORTS.inbound));
  });

  it('refuses a file over the size limit before reading it as YAML', () => {
    expect(problems(`name: shop\n#${'x'.repeat(1024 * 1024)}\n`)).toMatch(
      /^mesh\.yaml: 1048589 bytes; a topology file may have at most 1048576/,
    );
  });

  it('refuses text that would break the request line of a health check or the load generator', () => {
    expect(problems('name: shop\nservices:\n  alpha: {port: 1, healthPath: "/h x\\r\\nHost: evil"}\n')).toContain(
      'services.alpha.healthPath: a URL path: printable ASCII without spaces',
    );
    expect(problems('name: shop\nservices:\n  alpha: {port: 1, env: {A: "a\\0b"}}\n')).toContain(
      'services.alpha.env.A: must not contain a NUL character',
    );
  });
});

describe('hostile YAML: every problem is exit 2 with file:line:col, the field and what was expected', () => {
  const billionLaughs = [
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`),
    'name: shop',
    'services: {alpha: {port: 1, command: *i}}',
  ].join('\n');
  it.each([
    [
      'an undefined alias',
      'name: shop\nservices:\n  alpha: *nope\n',
      'mesh.yaml:3:10: services.alpha: the alias *nope has no anchor &nope before it',
    ],
    ['an alias bomb', billionLaughs, 'mesh.yaml:3:8: d[0][0]: more than 100 aliases expanded'],
    [
      'an alias inside its own anchor',
      'name: &n [*n]\nservices: {}\n',
      'mesh.yaml:1:11: name[0]: the alias *n is inside the value it refers to',
    ],
    [
      'a !!js/function tag',
      'name: !!js/function "x"\nservices: {}\n',
      'mesh.yaml:1:21: name: the tag !!js/function is not supported',
    ],
    [
      'a !!binary tag',
      'name: shop\nservices:\n  alpha: {port: 1, env: {A: !!binary aGk=}}\n',
      'mesh.yaml:3:38: services.alpha.env.A: the tag !!binary is not supported',
    ],
    ['a local tag', 'name: !shop x\n', 'mesh.yaml:1:13: name: the tag !shop is not supported'],
    [
      'deep flow nesting',
      `name: shop\nservices: ${'['.repeat(500_000)}`,
      'mesh.yaml:2:41: nested deeper than 32 levels',
    ],
    [
      'deep block nesting',
      `name: shop\nservices:\n  alpha: ${'- '.repeat(100)}x\n`,
      'mesh.yaml:3:68: nested deeper than 32 levels',
    ],
    [
      'two documents',
      'name: shop\nservices: {alpha: {port: 1}}\n---\nname: other\n',
      'mesh.yaml:3:1: (top level): a second YAML document starts here; the file must hold exactly one',
    ],
    [
      'an empty file',
      '',
      'mesh.yaml:1:1: (top level): the file holds no YAML value; expected a mapping with name and services',
    ],
    ['only comments', '# nothing\n', 'mesh.yaml:1:1: (top level): the file holds no YAML value'],
    [
      'a list at the top level',
      '- name: shop\n',
      'mesh.yaml:1:1: (top level): expected a mapping (name:, services:, ...), found a list',
    ],
    [
      'a scalar at the top level',
      'shop\n',
      'mesh.yaml:1:1: (top level): expected a mapping (name:, services:, ...), found a string',
    ],
    ['a control character', 'name: sh\u0001op\n', 'mesh.yaml:1:9: control character U+0001 is not allowed in YAML'],
    [
      'a __proto__ key',
      'name: shop\nservices:\n  alpha: {port: 1, env: {__proto__: {PORT: 1}}}\n',
      'mesh.yaml:3:26: services.alpha.env.__proto__: the key "__proto__" is not allowed',
    ],
    [
      'a collection as key',
      'name: shop\n? [a]\n: 1\n',
      'mesh.yaml:2:3: (top level): a key must be text, not a list or mapping',
    ],
    [
      'an unclosed flow',
      'name: shop\nservices: {alpha: {port: 1}\n',
      'mesh.yaml:3:1: (top level): Flow map in block collection must be sufficiently indented and end with a }',
    ],
    ['bad indentation', 'name: shop\nservices:\n  alpha:\n    port: 1\n   env: {}\n', 'mesh.yaml:5:'],
  ])('%s', (_what, text, expected) => {
    expect(problems(text)).toContain(expected);
  });

  it('reads UTF-8 bytes, with a leading BOM, and names the first byte that is not UTF-8', () => {
    const ok = Buffer.from('\ufeffname: shop\nservices:\n  alpha: {port: 1}\n');
    expect(parseTopology(ok, 'mesh.yaml').name).toBe('shop');
    const bad = Buffer.concat([
      Buffer.from('name: shop\nservices:\n  alpha: {port: 1, env: {A: "é'),
      Buffer.from([0xff]),
      Buffer.from('"}}\n'),
    ]);
    expect(problems(bad)).toContain('mesh.yaml:3:31: byte 0xFF is not UTF-8; save the file as UTF-8');
    expect(problems(Buffer.from('\ufeffname: x', 'utf16le'))).toContain(
      'mesh.yaml:1:1: the file is UTF-16; save it as UTF-8',
    );
  });

  it('keeps env values as written: 1.10 is the text "1.10", not the number 1.1', () => {
    const topo = parseTopology(
      'name: shop\nservices:\n  alpha:\n    port: 0x10\n    env: {V: 1.10, H: 0x1F, B: true, N: 007}\n    versions: {v1: {env: {W: 1e3}}}\n',
      'mesh.yaml',
    );
    expect(topo.services.alpha!.port).toBe(16);
    expect(topo.services.alpha!.env).toEqual({ V: '1.10', H: '0x1F', B: 'true', N: '007' });
    expect(topo.services.alpha!.versions!.v1!.env).toEqual({ W: '1e3' });
  });

  it("reads a mapping of 80,000 keys in linear time (the yaml package's own duplicate check is quadratic)", () => {
    const env = Array.from({ length: 80_000 }, (_, i) => `K${i}: 1`).join(',');
    const started = performance.now();
    expect(problems(`name: shop\nservices:\n  alpha: {port: 1, env: {${env}}}\n`)).toContain('at most 200 entries');
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});

describe('readTopologyFile', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'meshdev-topology-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function refusal(path: string): Promise<string> {
    const err = await readTopologyFile(path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(2);
    return (err as Error).message;
  }

  it('reads a regular file, and one behind a symlink', async () => {
    const file = join(dir, 'mesh.yaml');
    writeFileSync(file, 'name: shop\n');
    symlinkSync(file, join(dir, 'link.yaml'));
    expect((await readTopologyFile(join(dir, 'link.yaml'))).toString()).toBe('name: shop\n');
  });

  it.skipIf(process.platform === 'win32')('refuses a FIFO at once, without waiting for a writer', async () => {
    const fifo = join(dir, 'fifo.yaml');
    execFileSync('mkfifo', [fifo]);
    expect(await refusal(fifo)).toBe(`topology file ${fifo} is a named pipe (FIFO), not a regular file`);
    // Behind a symlink too: the check follows it, as opening would.
    symlinkSync(fifo, join(dir, 'fifo-link.yaml'));
    expect(await refusal(join(dir, 'fifo-link.yaml'))).toContain('is a named pipe (FIFO)');
  });

  it('refuses a directory and a device', async () => {
    expect(await refusal(dir)).toBe(`topology file ${dir} is a directory, not a regular file`);
    if (process.platform !== 'win32') {
      expect(await refusal('/dev/zero')).toBe('topology file /dev/zero is a character device, not a regular file');
    }
  });

  it('refuses a socket', async () => {
    const path = join(dir, 'sock.yaml');
    const server = createServer();
    await new Promise<void>((done) => server.listen(path, done));
    try {
      expect(await refusal(path)).toBe(`topology file ${path} is a socket, not a regular file`);
    } finally {
      server.close();
    }
  });

  it('refuses a file over the size limit without reading it', async () => {
    const big = join(dir, 'big.yaml');
    writeFileSync(big, '');
    truncateSync(big, 100 * 1024 * 1024); // sparse: 100 MB that cost nothing to write
    expect(await refusal(big)).toMatch(/big\.yaml: 104857600 bytes; a topology file may have at most 1048576/);
  });

  it('names what is missing', async () => {
    expect(await refusal(join(dir, 'absent.yaml'))).toBe(
      `cannot read topology file ${join(dir, 'absent.yaml')}: ENOENT`,
    );
  });
});
