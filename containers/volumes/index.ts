/**
 * containers/volumes/: named and anonymous volumes (`kiln volume`, `-v`,
 * `--mount`): the store under `<root>/volumes/`, docker's name rule, the
 * mount flags, and filling a new volume from the image.
 */
export { Volumes, volumeView, parseVolumeLabels, type VolumeInfo, type VolumeUsers } from './volumes.js';
export { VolumeStore, ANONYMOUS_LABEL, type VolumeRecord, type CreateVolumeOptions } from './store.js';
export { checkVolumeName } from './names.js';
export { parseVolumeFlag, parseMountFlag, type MountRequest } from './mount-spec.js';
export { fillVolumes, type VolumeFill } from './populate.js';
