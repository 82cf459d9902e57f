export { ensureImages, plannedImages, runtimeImageFor } from './ensure.js';
export type {
  EnsureImagesOptions,
  GrafanaLeftOut,
  ImageOrigin,
  ResolvedImage,
  ResolvedImages,
  AirgapMode,
} from './ensure.js';
export { PINNED_IMAGES, IMAGE_ENV, LOCAL_IMAGES, DEBIAN_BASE_IMAGE } from './refs.js';
export { removeMeshdevImages } from './remove.js';
export type { RemovedImages } from './remove.js';
