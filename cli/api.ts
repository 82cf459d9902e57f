/**
 * Programmatic API, for resilience and integration tests in CI:
 *
 *   import { Mesh, ensureImages } from 'meshdev';
 *   await using mesh = await (await Mesh.load('mesh.yaml')).up({ wait: true, images: (o) => ensureImages({ airgap: 'auto', ...o }) });
 *   // ... send traffic to mesh.endpoints.ingress, then break it through its control:
 *   await mesh.control.addFault({ target: 'catalog', kind: 'abort', status: 503, percent: 50, ttlMs: 60_000 });
 *   // ... assert; leaving the block runs `down`.
 */
export { Mesh, StartedMesh } from './mesh/mesh.js';
export type { UpOptions, DownOptions, ImageResolver } from './mesh/mesh.js';
export type { MeshStatus, InstanceStatus } from './mesh/status.js';
export { parseTopology, loadTopology, DEMO_TOPOLOGY_PATH } from './mesh/load.js';
export { resolveMesh } from './mesh/model.js';
export type { ResolvedMesh, ResolvedInstance, ResolvedService } from './mesh/model.js';
export { MeshdevError, UsageError } from './errors.js';
export { ensureImages } from './images/index.js';
export { MeshControl, FieldError, FAULT_BOUNDS, FAULT_KINDS, DEFAULT_FAULT_TTL_MS } from './control/index.js';
export type {
  ControlOptions,
  ContainerAction,
  ContainerActionOptions,
  ContainerActionResult,
  FaultField,
  FaultKind,
  FaultKindSpec,
  FaultSpec,
  FaultSpecCommon,
  PartitionSpec,
  PolicyAssignment,
  PolicyTarget,
  PolicyView,
  TrafficState,
} from './control/index.js';
export type { ScalePlan, ScaleTarget } from './mesh/scale.js';
