import type { MeshImages } from '../compose/render.js';
import type { ResolvedMesh } from '../mesh/model.js';
import type { ScaleOverrides } from '../mesh/scale.js';

/**
 * What the control domain needs of a loaded mesh (cli/mesh/mesh.ts `Mesh` is one): the mesh
 * resolved with its `meshdev scale` override, where its rendered files live, and how to read it
 * again after a scale. An interface, so the mesh can hand out its control without the two modules
 * importing each other.
 */
export interface ControlledMesh {
  /** The topology resolved with the scale override applied. */
  readonly resolved: ResolvedMesh;
  readonly name: string;
  readonly topologyPath: string;
  readonly scaleOverrides: ScaleOverrides;
  readonly scaleFile: string;
  readonly composeFile: string;
  /** The same mesh read again (its scale override as it is now on disk). */
  reloaded(): ControlledMesh;
  writeRendered(images: MeshImages): Promise<void>;
}
