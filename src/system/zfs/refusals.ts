/**
 * The sentences zpool and zfs (OpenZFS 2.x, libzfs_util.c and the commands' own messages; also
 * zfs-fuse) answer when they refuse an operation for a reason of state or value, not because
 * something is broken. ZfsAdapter turns a failed command with one of these into a ToolRefusal.
 */
import type { RefusalPattern } from '../tool-refusal.js';

export const ZFS_REFUSALS: readonly RefusalPattern[] = [
  // What is named is not there (404).
  {
    pattern:
      /dataset does not exist|no such pool\b|no such pool available|no such device in (pool|\/dev)|parent does not exist|could not find any snapshots to destroy|no such snapshot/,
    kind: 'missing',
  },
  // The value itself is refused (400).
  {
    pattern:
      /volume size must be a multiple of volume block size|volsize must be a multiple of volume block size|bad numeric value|numeric value is too large|bad volume size|volume size cannot be zero|property value too long|must be a power of 2|must be one of|is readonly|does not apply to datasets of this type|invalid property|New dataset name cannot be a descendant|datasets must be within same pool|source and target pools differ|snapshots must be part of same dataset|operation does not apply to pools|parent is not a filesystem|can not be modified for snapshots/,
    kind: 'invalid',
  },
  // The state of the pool or dataset forbids it now (409).
  {
    pattern:
      /currently (scrubbing|resilvering)|there is no active scrub|scrub is paused|\bis busy\b|pool or dataset is busy|has children|has dependent clones|already exists|already created\/imported|out of space|size is greater than available space|size is less than current used or reserved space|more recent snapshots or bookmarks exist|clones of previous snapshots exist|no valid replicas|only applicable to mirror and replacing vdevs|can only attach to mirrors and top-level disks|is part of (active|exported|potentially active) pool|device is too small|mismatched replication level|one or more vdevs refer to the same device|not a cloned filesystem|conflicts with .* from target|pool is read-only|dataset is read-only|exceeded a quota|quota exceeded|invalid vdev specification|requires at least \d+ devices|invalid number of dRAID children/,
    kind: 'conflict',
  },
];
