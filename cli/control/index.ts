/**
 * The control domain: one typed way to change a running mesh, for every front door (commands,
 * chaos steps, the terminal UI, the programmatic API). See MeshControl.
 */
export { MeshControl } from './mesh-control.js';
export type { ControlOptions, TrafficState } from './mesh-control.js';
export type { ControlledMesh } from './controlled-mesh.js';
export { faultDocument, partitionDocument, newId } from './fault-document.js';
export type { FaultSpec, FaultSpecCommon, PartitionSpec, PartitionField, DocumentOptions } from './fault-document.js';
export {
  DEFAULT_FAULT_PERCENT,
  DEFAULT_FAULT_TTL_MS,
  EXPECTED,
  FAULT_BOUNDS,
  FAULT_KINDS,
  FAULT_KIND_RULES,
  checkMs,
  checkPercent,
  checkRate,
  checkStatus,
  faultAction,
  pickFaultKind,
} from './fault-kinds.js';
export type { FaultField, FaultKind, FaultKindSpec } from './fault-kinds.js';
export { FieldError, ownNames } from './fields.js';
export type { FieldNaming } from './fields.js';
export {
  ACTION_DESCRIPTIONS,
  CONTAINER_ACTIONS,
  DEFAULT_STOP_TIMEOUT_MS,
  STOP_TIMEOUT_BOUNDS,
  checkStopTimeout,
  describeContainerResult,
} from './containers.js';
export type { ContainerAction, ContainerActionOptions, ContainerActionResult } from './containers.js';
export type { PolicyAssignment, PolicyTarget, PolicyView } from './policy-store.js';
export { formatAssignment, formatPolicyView } from './policy-store.js';
export { resolvePolicyTarget } from './policy-target.js';
export type { PolicyTargetField, PolicyTargetSpec } from './policy-target.js';
export type { ScaleOptions } from './scale.js';
export { resolveInstance, resolveService, resolveTarget } from './targets.js';
