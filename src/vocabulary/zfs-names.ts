/**
 * ZFS naming rules, as zfs_namecheck.c and libzfs (zpool_name_valid, zfs_validate_name)
 * enforce them, so a bad name is refused with the tool's own reason before any command runs.
 * One copy for the contracts (what a caller may send) and src/system (what reaches the tool).
 */

/** ZFS_MAX_DATASET_NAME_LEN: names must be shorter than this. */
export const ZFS_MAX_DATASET_NAME_LEN = 256;
/** pool_namecheck leaves room for "pool/$ORIGIN@$ORIGIN". */
const MAX_POOL_NAME_LEN = ZFS_MAX_DATASET_NAME_LEN - 2 - '$ORIGIN'.length * 2;
/** zfs_max_dataset_nesting default. */
export const ZFS_MAX_DATASET_NESTING = 50;

const VALID_CHAR = /^[A-Za-z0-9_\-.: ]$/;

function invalidChar(component: string, allowPercent = false): string | null {
  for (const ch of component) {
    if (!VALID_CHAR.test(ch) && !(allowPercent && ch === '%')) return ch;
  }
  return null;
}

function poolError(name: string, creating: boolean): string | null {
  if (name.length === 0) return 'empty component in name';
  if (name.length >= MAX_POOL_NAME_LEN) return 'name is too long';
  const bad = invalidChar(name);
  if (bad !== null) return `invalid character '${bad}' in pool name`;
  if (!/^[A-Za-z]/.test(name)) return 'name must begin with a letter';
  if (name === 'mirror' || name === 'raidz' || name === 'draid') return 'name is reserved';
  // libzfs widens the reserved set for new pools; /^c[0-9]/ is Solaris's disk-like rule.
  if (creating && (/^(mirror|raidz|draid|spare)/.test(name) || name === 'log')) return 'name is reserved';
  if (creating && /^c[0-9]/.test(name)) return 'pool name is reserved';
  return null;
}

/** entity_namecheck(): components, '.' and '..', one delimiter, trailing slashes. */
function entityError(name: string): string | null {
  if (name.length >= ZFS_MAX_DATASET_NAME_LEN) return 'name is too long';
  if (name.startsWith('/')) return 'leading slash in name';
  if (name.length === 0) return 'empty component in name';
  let foundDelim = false;
  let start = 0;
  for (;;) {
    let end = start;
    while (end < name.length && !'/@#'.includes(name[end]!)) end++;
    const component = name.slice(start, end);
    const delim = name[end];
    if (delim === undefined && name.endsWith('/')) return 'trailing slash in name';
    const bad = invalidChar(component, true);
    if (bad !== null) return `invalid character '${bad}' in name`;
    if (delim === undefined || delim === '/') {
      if (component === '.') return "self reference, '.' is found in name";
      if (component === '..') return "parent reference, '..' is found in name";
    }
    if (delim === '@' || delim === '#') {
      if (foundDelim) return "multiple '@' and/or '#' delimiters in name";
      foundDelim = true;
    }
    if (component.length === 0) return 'empty component in name';
    if (delim === undefined) return null;
    if (delim === '/' && foundDelim) return 'trailing slash in name';
    start = end + 1;
  }
}

export type ZfsNameKind = 'pool' | 'dataset' | 'snapshot' | 'any';

/**
 * Null when `name` is a valid ZFS name of that kind, otherwise the reason (the wording of
 * libzfs). 'pool' applies the stricter rules of `zpool create`; 'dataset' refuses snapshots;
 * 'snapshot' needs exactly one '@'; 'any' accepts a pool, dataset or snapshot name.
 */
export function validateZfsName(name: string, kind: ZfsNameKind): string | null {
  if (name.startsWith('-')) return "name may not start with '-'";
  if (kind === 'pool') return poolError(name, true);
  const entity = entityError(name);
  if (entity !== null) return entity;
  if (name.includes('%')) return "invalid character '%' in name";
  if (name.includes('#')) return "invalid character '#' in name";
  const at = name.indexOf('@');
  if (kind === 'snapshot' && at < 0) return "missing '@' delimiter in snapshot name";
  if (kind === 'dataset' && at >= 0) return "snapshot delimiter '@' is not expected here";
  const datasetPart = at >= 0 ? name.slice(0, at) : name;
  if (datasetPart.split('/').length - 1 >= ZFS_MAX_DATASET_NESTING) return 'maximum name nesting depth exceeded';
  const pool = datasetPart.split('/')[0]!;
  return poolError(pool, false);
}
