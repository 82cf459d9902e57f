import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meshdev } from '../support/cli.js';

/**
 * Bad input to every command of the built CLI: exit 2 and a message naming the flag or argument,
 * with nothing contacted and nothing written. Consul and Prometheus of the topology are closed
 * ports and Docker a socket that does not exist, so a command that reached for any of them before
 * checking its input would fail with their error (exit 1) instead of the expected message; the
 * controls at the end show that it would.
 */

let dir: string;
const UNREACHABLE = 'http://127.0.0.1:9';

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'meshdev-badinput-'));
  await writeFile(
    path.join(dir, 'mesh.yaml'),
    [
      'name: badinput',
      // Closed ports on loopback: whatever connects there is refused.
      'ports: { ingress: 7, consul: 9, prometheus: 11, grafana: 13 }',
      'services:',
      '  gateway: { image: busybox, port: 3000, ingress: true, upstreams: [catalog] }',
      '  catalog:',
      '    image: busybox',
      '    port: 3000',
      '    versions: { v1: { replicas: 2 }, v2: { replicas: 1 } }',
      '',
    ].join('\n'),
  );
  const scenario = (lines: string[]) => [...lines, 'objectives: [{ successRate: 99 }]', ''].join('\n');
  await writeFile(path.join(dir, 'bare-duration.yaml'), scenario(['name: bare', 'duration: "60"']));
  await writeFile(
    path.join(dir, 'number-at.yaml'),
    scenario(['name: num', 'duration: 1m', 'steps: [{ at: 10, for: 5s, kill: catalog-1 }]']),
  );
  await writeFile(
    path.join(dir, 'repeated-unit.yaml'),
    scenario(['name: rep', 'duration: 1m1m', 'steps: [{ at: 0s, kill: catalog-1 }]']),
  );
  await writeFile(
    path.join(dir, 'bad-policy.yaml'),
    scenario([
      'name: pol',
      'duration: 1m',
      'steps: [{ at: 0s, policy: { service: catalog, set: { balancer: fastest } } }]',
    ]),
  );
  await writeFile(path.join(dir, 'ok.yaml'), scenario(['name: ok', 'duration: 1m']));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const run = (args: readonly string[]) =>
  meshdev(args, { cwd: dir, timeoutMs: 30_000, env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });

const PROXY = ['proxy', '--listen', '127.0.0.1:0', '--upstream', '127.0.0.1:9'];

/** [argv, what stderr says]. */
const BAD_INPUT: readonly (readonly [readonly string[], RegExp])[] = [
  // Any command: unknown commands and options, extra arguments, a one-value flag given twice.
  [['nosuch'], /unknown command 'nosuch'/],
  [['status', '--nope'], /unknown option '--nope'/],
  [['status', 'extra'], /too many arguments for 'status'/],
  [['down', 'extra'], /too many arguments for 'down'/],
  [['compose', '--airgap', 'extra'], /too many arguments for 'compose'/],
  [['doctor', 'extra'], /too many arguments for 'doctor'/],
  [['fault', 'ls', 'extra'], /too many arguments for 'ls'/],
  [['unpause', 'catalog-1', 'extra'], /too many arguments for 'unpause'/],
  [['pause'], /missing required argument 'instance'/],
  [['up', '--timeout', '1m', '--timeout', '2m'], /--timeout: given twice \("1m" and "2m"\); give it once/],
  [['fault', 'add', 'catalog', '--abort', '503', '--ttl', '1m', '--ttl', '2m'], /--ttl: given twice/],
  [['policy', 'get', 'catalog', '--consul', UNREACHABLE, '--consul', UNREACHABLE], /--consul: given twice/],

  // up / scale / ui: durations with a unit, in range.
  [['up', '--timeout', '5'], /--timeout: "5" has no unit; a duration needs one, e.g. 5s or 5m/],
  [['up', '--timeout', '0s'], /--timeout: "0s" is out of range; expected from 1s to 1h/],
  [['up', '--timeout', '2h'], /--timeout: "2h" is out of range/],
  [['up', '--timeout', ''], /--timeout: a duration is needed/],
  [['scale', 'catalog', '2', '--timeout', '90'], /--timeout: "90" has no unit/],
  [['scale', 'catalog', 'abc'], /scale: "abc" is not a replica count/],
  [['scale', 'catalog', '1e3'], /scale: "1e3" is not a replica count/],
  [['scale', 'nosuch', '2'], /scale: unknown service "nosuch"/],
  [['scale', 'catalog', '30'], /at most 20 per version/],
  [['scale', 'catalog', '-9'], /cannot go to -6/],
  [['scale', 'catalog=2', '3'], /give either SERVICE=N or SERVICE N/],
  [['ui', '--refresh', '5'], /--refresh: "5" has no unit/],
  [['ui', '--refresh', '100ms'], /--refresh: "100ms" is out of range; expected from 200ms to 1m/],

  // logs
  [['logs', '--tail', 'abc'], /--tail: "abc" is not a whole number from 0 to 1000000/],
  [['logs', '-n', '-5'], /--tail: "-5" is not a whole number/],
  [['logs', 'Catalog 2'], /INSTANCE: "Catalog 2" is not an instance or container name/],

  // images / schema
  [['images', '--remove', '--airgap'], /--remove cannot be combined with --airgap or --no-grafana/],
  [['schema', '--write', ''], /--write: give a file name/],

  // proxy (standalone): addresses, balancer, sample rate.
  [['proxy', '--upstream', '127.0.0.1:9'], /required option '--listen <host:port>' not specified/],
  [['proxy', '--listen', 'nope', '--upstream', '127.0.0.1:9'], /--listen: expected HOST:PORT/],
  [
    ['proxy', '--listen', '127.0.0.1:0', '--upstream', '127.0.0.1:0'],
    /--upstream: expected HOST:PORT with a port from 1/,
  ],
  [['proxy', '--listen', '127.0.0.1:0', '--upstream', ','], /--upstream: at least one HOST:PORT/],
  [[...PROXY, '--lb', 'fastest'], /--lb: unknown balancer "fastest"/],
  [[...PROXY, '--access-log-sample', ''], /--access-log-sample: "" is not a number from 0 to 1/],
  [[...PROXY, '--access-log-sample', '1e-1'], /--access-log-sample: "1e-1"/],
  [[...PROXY, '--access-log-sample', '2'], /--access-log-sample: "2"/],
  [[...PROXY, '--admin', 'localhost'], /--admin: expected HOST:PORT/],

  // policy get / set
  [['policy', 'get', 'catalgo'], /SERVICE: "catalgo" is not a service of mesh badinput; services: gateway, catalog/],
  [['policy', 'get', 'catalog', '--version', 'v9'], /--version: catalog has no version "v9"; its versions: v1, v2/],
  [['policy', 'get', 'catalog', '--defaults'], /--defaults takes no SERVICE/],
  [['policy', 'get'], /give a SERVICE/],
  [['policy', 'get', 'catalog', '--consul', 'localhost:8500'], /--consul: "localhost:8500" is not an http\(s\) URL/],
  [['policy', 'get', 'catalog', '--consul', ''], /--consul: "" is not an http\(s\) URL/],
  [['policy', 'get', 'catalog', '--mesh', 'Bad/Mesh'], /--mesh: "Bad\/Mesh" is not a mesh name/],
  [['policy', 'set', 'catalog', 'balancer=nope'], /invalid policy; nothing was written:\n {2}balancer: /],
  [['policy', 'set', 'catalog', 'resilience.timeoutMs=abc'], /resilience\.timeoutMs: .*number/],
  [['policy', 'set', 'catalog', 'resilience.retries.maxRetries=-1'], /resilience\.retries\.maxRetries/],
  [['policy', 'set', 'catalog', 'resilience.perTryTimeoutMs=1e12'], /resilience\.perTryTimeoutMs/],
  [['policy', 'set', 'catalog', 'nosuch=1'], /nosuch/],
  [['policy', 'set', 'catalog', '__proto__.polluted=1'], /dotted key of field names/],
  [['policy', 'set', 'catalog', 'balancer=random', 'balancer=peak-ewma'], /balancer is set twice/],
  [['policy', 'set', 'catalog', 'balancer=random', '--version', 'v2'], /balancer/],
  [['policy', 'set', 'balancer=random'], /give the SERVICE before KEY=VALUE pairs/],
  [['policy', 'set', 'catalog'], /nothing to set/],
  [['policy', 'set', 'nosuch', 'balancer=random'], /SERVICE: "nosuch" is not a service/],
  [['policy', 'set', '--defaults', 'balancer=random', '--consul', 'ftp://x'], /--consul: "ftp:\/\/x"/],

  // split
  [['split', 'catalog', 'v1=abc'], /invalid split; nothing was written:\n {2}v1=abc: expected VERSION=WEIGHT/],
  [['split', 'catalog', 'v1=0', 'v2=0'], /at least one version with a weight above 0/],
  [['split', 'catalog', 'v1=99999'], /split: v1: /],
  [['split', 'catalog', 'v1=1', 'v1=2'], /version v1 is given twice/],
  [['split', 'catalog', 'v9=1'], /catalog has no version v9; its versions: v1, v2/],
  [['split', 'nosuch', 'v1=1'], /SERVICE: "nosuch" is not a service/],
  [['split', 'catalog'], /give VERSION=WEIGHT pairs/],
  [['split', 'catalog', 'v1=1', '--clear'], /--clear takes no weights/],
  [['split', 'catalog', 'v1=1', '--consul', 'http://h:1/?x=1'], /--consul: .* has a query or fragment/],

  // fault add / rm / headers
  [
    ['fault', 'add', 'catalog', '--abort', '503', '--ttl', '5'],
    /--ttl: "5" has no unit; a duration needs one, e.g. 5s or 5m/,
  ],
  [['fault', 'add', 'catalog', '--abort', '503', '--ttl', '1h1h'], /--ttl: "1h1h" gives h twice/],
  [['fault', 'add', 'catalog', '--abort', '503', '--ttl', '30s1m'], /--ttl: "30s1m" has its units out of order/],
  [
    ['fault', 'add', 'catalog', '--abort', '503', '--ttl', '1m90s'],
    /--ttl: "1m90s": 90s makes a larger unit; write 2m30s/,
  ],
  [
    ['fault', 'add', 'catalog', '--abort', '503', '--ttl', '25h'],
    /--ttl: "25h" is out of range; expected from 1s to 24h/,
  ],
  [['fault', 'add', 'catalog', '--abort', '503', '--ttl', '0s'], /--ttl: "0s" is out of range/],
  [['fault', 'add', 'catalog', '--abort', '503', '--ttl', '-1m'], /--ttl: "-1m" is negative/],
  [['fault', 'add', 'catalog', '--delay', '5'], /--delay: "5" has no unit/],
  [['fault', 'add', 'catalog', '--delay', '0s'], /--delay: "0s" adds nothing/],
  [['fault', 'add', 'catalog', '--delay', '1h'], /--delay: "1h" is out of range; expected at most 10m/],
  [['fault', 'add', 'catalog', '--jitter', '5ms', '--abort', '503'], /--jitter needs --delay/],
  [['fault', 'add', 'catalog', '--abort', '503', '--percent', 'abc'], /--percent: "abc" is not a percentage/],
  [['fault', 'add', 'catalog', '--abort', '503', '--percent', '-1'], /--percent: "-1"/],
  [['fault', 'add', 'catalog', '--abort', '503', '--percent', 'NaN'], /--percent: "NaN"/],
  [['fault', 'add', 'catalog', '--abort', '503', '--percent', '1e2'], /--percent: "1e2"/],
  [['fault', 'add', 'catalog', '--abort', '503', '--percent', '101'], /--percent: "101"/],
  [['fault', 'add', 'catalog', '--abort', '999'], /--abort: "999" is not an HTTP status/],
  [['fault', 'add', 'catalog', '--bandwidth', '0'], /--bandwidth: "0" is not a rate/],
  [['fault', 'add', 'catalog', '--bandwidth', '99GiB/s'], /--bandwidth: "99GiB\/s" is above the maximum/],
  [['fault', 'add', 'catalog', '--abort', '503', '--header', 'novalue'], /--header: "novalue" is not NAME=VALUE/],
  [['fault', 'add', 'catalog', '--abort', '503', '--path', 'products'], /--path: "products" must start with "\/"/],
  [['fault', 'add', 'catalog', '--abort', '503', '--source', 'nosuch'], /--source: "nosuch" is not a service/],
  [['fault', 'add', 'catalog', '--abort', '503', '--from', ''], /--from: "" is not a service/],
  [['fault', 'add', 'catalog', '--abort', '503', '--id', 'Bad Id'], /--id: "Bad Id" is not an id/],
  [['fault', 'add', 'catalog', '--abort', '503', '--consul', 'nope'], /--consul: "nope" is not an http\(s\) URL/],
  [['fault', 'add', 'catalgo', '--abort', '503'], /TARGET: "catalgo" is not a service, service@version or instance/],
  [['fault', 'add', 'catalog@v9', '--abort', '503'], /catalog has no version "v9"/],
  [['fault', 'add', 'catalog'], /give one fault: --delay, --abort, --reset, --blackhole, --bandwidth or --flaky/],
  [['fault', 'add', 'catalog', '--abort', '503', '--reset'], /--abort and --reset conflict/],
  [['fault', 'add', 'catalog', '--tcp', '--abort', '503'], /has no TCP variant/],
  [['fault', 'rm'], /give a fault ID or --all/],
  [['fault', 'rm', 'f-1', '--all'], /give a fault ID or --all/],
  [['fault', 'rm', 'Bad Id'], /ID: "Bad Id" is not a fault id/],
  [['fault', 'headers', 'maybe'], /expected "on" or "off", got "maybe"/],
  [['fault', 'headers', 'on', '--max', '-1'], /--max: "-1" must be a whole number from 0 to 100000/],
  [['fault', 'headers', 'on', '--max', '1e3'], /--max: "1e3"/],

  // container faults: an instance of the topology, a stop timeout with a unit.
  [['kill', 'catalog'], /INSTANCE: "catalog" is not an instance of mesh badinput; "catalog" is a service/],
  [['kill', 'nosuch-1'], /INSTANCE: "nosuch-1" is not an instance/],
  [['stop', 'catalog-1', '--timeout', '10'], /--timeout: "10" has no unit/],
  [['stop', 'catalog-1', '--timeout', '1500ms'], /--timeout: "1500ms" is not whole seconds/],
  [['restart', 'catalog-1', '--timeout', '11m'], /--timeout: "11m" is out of range; expected at most 10m/],

  // partition / heal
  [['partition', 'gateway', 'nosuch'], /B: "nosuch" is not a service of mesh badinput/],
  [['partition', 'catalog', 'catalog'], /catalog cannot be on both sides/],
  [['partition', 'gateway', 'catalog', '--ttl', '5'], /--ttl: "5" has no unit/],
  [['partition', 'gateway', 'catalog', '--ttl', '48h'], /--ttl: "48h" is out of range; expected from 1s to 24h/],
  [['partition', 'gateway', 'catalog', '--id', 'Bad Id'], /--id: "Bad Id" is not an id/],
  [['heal', 'gateway'], /give both A and B, or neither/],
  [['heal', 'gateway', 'nosuch'], /B: "nosuch" is not a service/],

  // chaos run: the scenario file, its durations, and the flags.
  [['chaos', 'run', 'missing.yaml'], /cannot read scenario missing\.yaml: ENOENT/],
  [
    ['chaos', 'run', 'bare-duration.yaml'],
    /bare-duration\.yaml: duration: "60" has no unit; a duration needs one, e.g. 60s or 60m/,
  ],
  [['chaos', 'run', 'number-at.yaml'], /steps\[0\]\.at: a duration with a unit, e\.g\. 500ms, 10s or 1m30s/],
  [['chaos', 'run', 'repeated-unit.yaml'], /duration: "1m1m" gives m twice/],
  [['chaos', 'run', 'bad-policy.yaml'], /steps\[0\]: policy\.set: balancer: /],
  [['chaos', 'run', 'ok.yaml', '--prometheus', 'nope'], /--prometheus: "nope" is not an http\(s\) URL/],
  [['chaos', 'run', 'ok.yaml', '--consul', 'nope'], /--consul: "nope" is not an http\(s\) URL/],
];

describe('bad input to every command: exit 2, the message, nothing contacted or written', () => {
  it.each(BAD_INPUT.map(([args, message]) => [args.join(' '), args, message] as const))(
    'meshdev %s',
    async (_name, args, message) => {
      const r = await run(args);
      expect(r.stderr).toMatch(message);
      expect(r.exitCode).toBe(2);
      expect(r.stdout).toBe('');
    },
  );

  it('wrote nothing in the working directory (no .meshdev state, no schema file)', () => {
    expect(existsSync(path.join(dir, '.meshdev'))).toBe(false);
  });

  // Controls: the same fixture with valid input does reach for Consul and Docker, and fails there.
  it.each([
    [['fault', 'ls'], /Consul at http:\/\/127\.0\.0\.1:9 did not answer/],
    [['policy', 'get', 'catalog'], /Consul at http:\/\/127\.0\.0\.1:9 did not answer/],
    [['status'], /Cannot reach the Docker engine/],
    [['stop', 'catalog-1', '--timeout', '1s'], /Cannot reach the Docker engine/],
  ] as const)(
    'control: meshdev %j with valid input fails on the unreachable service (exit 1)',
    async (args, message) => {
      const r = await run(args);
      expect(r.stderr).toMatch(message);
      expect(r.exitCode).toBe(1);
    },
  );
});
