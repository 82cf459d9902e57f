import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { UsageError } from '../errors.js';
import { formatIssues } from '../../proxy/schema/issues.js';
import type { ResolvedMesh } from '../mesh/model.js';
import { buildFault, buildPartition } from '../faults/build.js';
import { resolveInstance } from '../faults/containers.js';
import { checkPolicyStep } from './policy-step.js';
import { Scenario } from './schema.js';
import type { Plan } from './timeline.js';
import { planScenario } from './timeline.js';

/** Parses and checks a scenario: YAML, schema, times, and every target against the topology. */
export function parseScenario(text: string, source: string, mesh: ResolvedMesh): { scenario: Scenario; plan: Plan } {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new UsageError(`invalid YAML in ${source}: ${doc.errors[0]!.message.split('\n')[0]}`);
  }
  const r = Scenario.safeParse(doc.toJS() ?? {});
  if (!r.success) throw new UsageError(`invalid chaos scenario\n${formatIssues(source, r.error).join('\n')}`);
  const plan = planScenario(r.data, source);
  const now = new Date(0);
  for (const t of plan.steps) {
    const s = t.step;
    const where = `${source}: steps[${t.index}]`;
    try {
      if (s.fault !== undefined) {
        const { target, abort, percent, ...rest } = s.fault;
        buildFault(
          target,
          {
            ...rest,
            ...(abort === undefined ? {} : { abort: String(abort) }),
            ...(percent === undefined ? {} : { percent: String(percent) }),
          },
          mesh,
          now,
        );
      } else if (s.partition !== undefined) buildPartition(s.partition[0], s.partition[1], {}, mesh, now);
      else if (s.policy !== undefined) checkPolicyStep(s.policy, mesh);
      else resolveInstance((s.kill ?? s.stop ?? s.pause ?? s.restart)!, mesh);
    } catch (err) {
      if (err instanceof UsageError) throw new UsageError(`${where}: ${err.message}`);
      throw err;
    }
  }
  return { scenario: r.data, plan };
}

export async function loadScenario(file: string, mesh: ResolvedMesh): Promise<{ scenario: Scenario; plan: Plan }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read scenario ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return parseScenario(text, file, mesh);
}
