import type Docker from 'dockerode';
import { BUILD_STAGE_LABEL } from './engine.js';
import { PINNED_IMAGES, RECIPE_LABEL } from './refs.js';

/**
 * Which local images are meshdev's: what it builds (`meshdev/...`) and the upstream images it pins
 * and pulls. An image the user chose by MESHDEV_*_IMAGE is theirs and stays. Pure.
 */
export function isMeshdevImage(repoTags: readonly string[], labels: Readonly<Record<string, string>>): boolean {
  const pinned = new Set(Object.values(PINNED_IMAGES));
  return (
    repoTags.some((t) => t.startsWith('meshdev/') || pinned.has(t)) ||
    (repoTags.filter((t) => t !== '<none>:<none>').length === 0 &&
      (labels[RECIPE_LABEL] !== undefined || labels[BUILD_STAGE_LABEL] !== undefined))
  );
}

export interface RemovedImages {
  readonly removed: string[];
  /** Tags the engine would not remove, with why (a container still uses them). */
  readonly kept: Array<{ readonly image: string; readonly reason: string }>;
}

/**
 * Removes every image meshdev built or pulled, newest first (a child before the image it was
 * built FROM). Without force: an image a container still uses stays, and is reported.
 */
export async function removeMeshdevImages(docker: Docker): Promise<RemovedImages> {
  const images = (await docker.listImages({ all: false })).filter((i) =>
    isMeshdevImage(i.RepoTags ?? [], i.Labels ?? {}),
  );
  images.sort((a, b) => b.Created - a.Created);
  const removed: string[] = [];
  const kept: Array<{ image: string; reason: string }> = [];
  for (const image of images) {
    const tags = (image.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
    for (const ref of tags.length > 0 ? tags : [image.Id]) {
      try {
        await docker.getImage(ref).remove();
        removed.push(ref);
      } catch (err) {
        const status = (err as { statusCode?: number }).statusCode;
        if (status === 404) continue;
        const reason = status === 409 ? 'a container uses it' : err instanceof Error ? err.message : String(err);
        kept.push({ image: ref, reason });
      }
    }
  }
  return { removed, kept };
}
