import { UsageError } from '../errors.js';
import { formatIssues, formatPath } from '../../proxy/schema/issues.js';
import { readInputFile } from '../input-file.js';
import type { InputFileKind } from '../input-file.js';
import { decodeUtf8, MAX_PROBLEMS, readYamlData } from '../mesh/yaml-data.js';
import type { YamlProblem } from '../mesh/yaml-data.js';
import type { ResolvedMesh } from '../mesh/model.js';
import { faultDocument, partitionDocument, resolveInstance } from '../control/index.js';
import { PARTITION_STEP_NAMING, faultSpecOfStep, faultStepNaming, partitionSpecOfStep } from './fault-step.js';
import { checkPolicyStep } from './policy-step.js';
import { Scenario } from './schema.js';
import type { Plan } from './timeline.js';
import { planScenario } from './timeline.js';

/**
 * What a scenario file may be. A scenario is a few dozen lines; 256 KiB is far beyond any, and
 * bounds what is read whole into memory. Nesting and aliases are bounded as for a topology (the
 * same YAML reader, cli/mesh/yaml-data.ts: duplicate keys, tags and control characters refused).
 */
const SCENARIO_FILE: InputFileKind = {
  what: 'scenario',
  maxBytes: 256 * 1024,
  maxBytesWhy: 'a scenario is a few dozen lines',
  code: 'ESCENARIO',
  fixUnreadable: 'Pass an existing scenario file (see the README, "Chaos scenarios").',
  fixNotFile: 'Write the scenario to a file and pass that: meshdev reads it whole, and a pipe or device may never end.',
};
const SCENARIO_YAML_LIMITS = { nesting: 16, aliases: 100 };

function invalidYaml(source: string, problems: readonly YamlProblem[]): UsageError {
  const lines = problems.map(
    (p) => `${source}:${p.line}:${p.col}: ${p.path === undefined ? '' : `${formatPath(p.path)}: `}${p.message}`,
  );
  return new UsageError(`invalid YAML\n${lines.join('\n')}`, { code: 'ESCENARIO' });
}

/**
 * Parses and checks a scenario (its text, or its bytes as read, which must be UTF-8): YAML, schema,
 * times, and every target against the mesh as loaded (a scaled instance included). Every problem names the file and, for the YAML and
 * the schema, the line and column.
 */
export function parseScenario(
  input: string | Uint8Array,
  source: string,
  mesh: ResolvedMesh,
): { scenario: Scenario; plan: Plan } {
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else {
    const decoded = decodeUtf8(input);
    if ('problem' in decoded) throw invalidYaml(source, [decoded.problem]);
    text = decoded.text;
  }
  const read = readYamlData(text, { limits: SCENARIO_YAML_LIMITS });
  if (!read.ok) throw invalidYaml(source, read.problems);
  const r = Scenario.safeParse(read.data ?? {});
  if (!r.success) {
    const where = (path: readonly PropertyKey[]): string => {
      const { line, col } = read.positionOf(path);
      return `:${line}:${col}`;
    };
    const shown = formatIssues(source, r.error, where).slice(0, MAX_PROBLEMS);
    throw new UsageError(`invalid chaos scenario\n${shown.join('\n')}`);
  }
  const plan = planScenario(r.data, source);
  const now = new Date(0);
  for (const t of plan.steps) {
    const s = t.step;
    const where = `${source}: steps[${t.index}]`;
    try {
      if (s.fault !== undefined) {
        faultDocument(faultSpecOfStep(s.fault), mesh, now, { naming: faultStepNaming(s.fault) });
      } else if (s.partition !== undefined) {
        partitionDocument(partitionSpecOfStep(s.partition), mesh, now, { naming: PARTITION_STEP_NAMING });
      } else if (s.policy !== undefined) checkPolicyStep(s.policy, mesh);
      else resolveInstance((s.kill ?? s.stop ?? s.pause ?? s.restart)!, mesh);
    } catch (err) {
      if (err instanceof UsageError) throw new UsageError(`${where}: ${err.message}`);
      throw err;
    }
  }
  return { scenario: r.data, plan };
}

export async function loadScenario(file: string, mesh: ResolvedMesh): Promise<{ scenario: Scenario; plan: Plan }> {
  return parseScenario(await readInputFile(file, SCENARIO_FILE), file, mesh);
}
