import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { buildFault } from '../faults/build.js';
import type { FaultAddFlags } from '../faults/build.js';
import { addMeshOptions, loadFaultContext, print } from '../faults/context.js';
import type { MeshOpts } from '../faults/context.js';
import { describeFault, formatFaultTable, formatRejectedDocuments } from '../faults/format.js';
import { FaultId, HeaderFaultSettings, faultRuleKey } from '../../proxy/schema/faults.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function registerFault(program: Command): void {
  const fault = program
    .command('fault')
    .description('Inject proxy faults (delay, abort, reset, blackhole, bandwidth) that every sidecar applies live.');

  addMeshOptions(
    fault
      .command('add')
      .description(
        'Add a fault on TARGET (a service, service@version or instance id). It lasts --ttl (default 10m); the\n' +
          'sidecars drop it by themselves when it expires.\n' +
          'e.g. meshdev fault add catalog-2 --delay 2s   |   meshdev fault add catalog --abort 503 --percent 50 --ttl 1m',
      )
      .argument('<target>')
      .option('--delay <duration>', 'hold requests this long before forwarding (e.g. 200ms)')
      .option('--jitter <duration>', 'with --delay: plus or minus up to this much')
      .option('--abort <status>', 'answer with this HTTP status (200-599) instead of forwarding')
      .option('--reset', 'reset the connection (TCP RST), no response')
      .option('--blackhole', 'accept and never answer (the client times out)')
      .option('--bandwidth <rate>', 'pace responses to this rate (e.g. 10KiB/s, 1MB/s)')
      .option('--tcp', 'the TCP (L4) variant: --delay, --reset or --bandwidth on a tcp upstream')
      .option('--percent <n>', 'share of matching requests that get the fault (0-100)', undefined)
      .option('--path <prefix>', 'only requests whose path starts with this')
      .option('--header <name=value>', 'only requests with this header value (repeatable)', collect)
      .option('--source <service>', 'only requests from this calling service')
      .option('--from <service>', 'only calls from SERVICE (towards a whole service: applied in its sidecars)')
      .option('--ttl <duration>', 'how long the fault lasts (1s-24h)', '10m')
      .option('--id <id>', 'choose the fault id (default: generated)')
      .option('--json', 'machine-readable output'),
  ).action(async (target: string, opts: FaultAddFlags & MeshOpts & { json?: boolean }) => {
    if (opts.id !== undefined && !FaultId.safeParse(opts.id).success) {
      throw new UsageError(`--id: "${opts.id}" is not an id (lower-case letters, digits, ".", "_", "-")`);
    }
    const { mesh, store } = await loadFaultContext(opts);
    const doc = buildFault(target, opts, mesh, new Date());
    await store.addFault(doc);
    const at = new Date().toISOString();
    print(opts.json, `${at} added fault ${doc.id}: ${describeFault(doc)}`, {
      at,
      key: faultRuleKey(mesh.name, doc.id),
      fault: doc,
    });
  });

  addMeshOptions(
    fault
      .command('ls')
      .description('List faults and partitions (expired ones are shown until removed).')
      .option('--json', 'machine-readable output'),
  ).action(async (opts: MeshOpts & { json?: boolean }) => {
    const { store } = await loadFaultContext(opts);
    const set = await store.list();
    const now = Date.now();
    let text = formatFaultTable(set.faults, set.partitions, now);
    if (set.headerFaults.enabled) {
      text += `\nheader faults: enabled (max ${set.headerFaults.maxActive} active${set.headerFaults.allowAtIngress ? ', allowed at the ingress' : ''})`;
    }
    if (set.problems.length > 0) text += `\n\n${formatRejectedDocuments(set.problems)}`;
    print(opts.json, text, { at: new Date(now).toISOString(), ...set });
  });

  addMeshOptions(
    fault
      .command('rm')
      .description('Remove a fault by id, or every fault with --all.')
      .argument('[id]')
      .option('--all', 'remove every fault (invalid documents included)')
      .option('--json', 'machine-readable output'),
  ).action(async (id: string | undefined, opts: MeshOpts & { all?: boolean; json?: boolean }) => {
    if ((id === undefined) === !opts.all) throw new UsageError('give a fault ID or --all (not both)');
    if (id !== undefined && !FaultId.safeParse(id).success) {
      throw new UsageError(`ID: "${id}" is not a fault id (lower-case letters, digits, ".", "_", "-"), e.g. f-3fa9c2`);
    }
    const { store } = await loadFaultContext(opts);
    if (opts.all) {
      const keys = await store.allKeys('rules');
      for (const k of keys) await store.deleteKey(k);
      const at = new Date().toISOString();
      const ids = keys.map((k) => k.slice(k.lastIndexOf('/') + 1));
      print(opts.json, `${at} removed ${ids.length} fault(s)${ids.length > 0 ? `: ${ids.join(', ')}` : ''}`, {
        at,
        removed: ids,
      });
      return;
    }
    if (!(await store.removeFault(id!))) {
      const existing = (await store.list()).faults.map((f) => f.id);
      throw new UsageError(`no fault "${id}"; faults: ${existing.length === 0 ? 'none' : existing.join(', ')}`);
    }
    const at = new Date().toISOString();
    print(opts.json, `${at} removed fault ${id}`, { at, removed: [id] });
  });

  addMeshOptions(
    fault
      .command('headers')
      .description(
        'Enable or disable per-request faults chosen by headers (x-meshdev-fault-delay-ms, x-meshdev-fault-abort), for tests.',
      )
      .argument('<on|off>')
      .option('--max <n>', 'header faults in progress at once per sidecar', '100')
      .option('--allow-at-ingress', 'let outside requests carry them through the ingress (stripped there otherwise)')
      .option('--json', 'machine-readable output'),
  ).action(async (state: string, opts: MeshOpts & { max: string; allowAtIngress?: boolean; json?: boolean }) => {
    if (state !== 'on' && state !== 'off') throw new UsageError(`expected "on" or "off", got "${state}"`);
    const max = /^\d+$/.test(opts.max) ? Number(opts.max) : NaN;
    const parsed = HeaderFaultSettings.safeParse({
      enabled: state === 'on',
      allowAtIngress: opts.allowAtIngress ?? false,
      maxActive: max,
    });
    if (!parsed.success) throw new UsageError(`--max: "${opts.max}" must be a whole number from 0 to 100000`);
    const { store } = await loadFaultContext(opts);
    await store.setHeaderFaults(parsed.data);
    const at = new Date().toISOString();
    print(
      opts.json,
      `${at} header faults ${state}${state === 'on' ? ` (max ${max} active${parsed.data.allowAtIngress ? ', allowed at the ingress' : ''})` : ''}`,
      {
        at,
        headerFaults: parsed.data,
      },
    );
  });
}
