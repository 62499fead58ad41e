/**
 * Object storage's vocabulary: S3 bucket names, object-store user ids, lifecycle rule ids and
 * prefixes, and the shape of an S3/IAM policy document. One copy for the contracts (what a caller
 * may send) and the providers in src/system (what they agree to pass on).
 */

/** Why `name` is not a bucket name under the S3 naming rules, or null. */
export function bucketNameProblem(name: string): string | null {
  if (name.length < 3 || name.length > 63) return 'a bucket name is 3 to 63 characters';
  if (!/^[a-z0-9.-]+$/.test(name)) return 'a bucket name has only lower-case letters, digits, dots and hyphens';
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return 'a bucket name starts and ends with a letter or a digit';
  if (name.includes('..')) return "a bucket name has no '..'";
  if (/\.-|-\./.test(name)) return "a bucket name has no '.-' or '-.'";
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return 'a bucket name is not an IP address';
  if (name.startsWith('xn--') || name.endsWith('-s3alias')) return "a bucket name does not start with 'xn--' or end with '-s3alias'";
  return null;
}

/** Object-store user ids: a letter or digit, then letters, digits, '_', '.', '-' or '@' (no '$': that is RGW's tenant separator). */
export const OBJECT_USER_ID = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;
/** Access key ids as RGW and Garage issue them. */
export const ACCESS_KEY_ID = /^[A-Za-z0-9]{16,128}$/;
/** Names of IAM user policies (IAM's characters, up to 128), starting with a letter or digit. */
export const POLICY_NAME = /^[A-Za-z0-9][A-Za-z0-9+=,.@_-]{0,127}$/;
/** Lifecycle rule ids, starting with a letter or digit. */
export const LIFECYCLE_ID = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,254}$/;
/** Object key prefixes a lifecycle rule may filter on: printable, no control characters. */
export const KEY_PREFIX = /^\P{Cc}{0,1024}$/u;
/** Display names: printable text. */
export const DISPLAY_NAME = /^\P{Cc}{1,128}$/u;

/** The largest policy document accepted (IAM's limit for an inline user policy is 2,048; S3's bucket policy 20 KB). */
export const MAX_POLICY_BYTES = 20 * 1024;
/** Nesting deeper than this in a policy (Condition blocks are three levels) is refused. */
const MAX_POLICY_DEPTH = 6;

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

export interface PolicyDocument {
  Version?: string;
  Id?: string;
  Statement: PolicyStatement[];
}

const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);
const ACTION = /^(\*|(s3|iam|sts|sns):[A-Za-z*?]+)$/;
const RESOURCE = /^(\*|arn:aws:(s3|iam|sns)::\P{Cc}{0,1024})$/u;
const PRINCIPAL_KEYS = new Set(['AWS', 'CanonicalUser', 'Federated', 'Service']);

function depth(v: unknown, d = 0): number {
  if (d > MAX_POLICY_DEPTH) return d;
  if (Array.isArray(v)) return Math.max(d, ...v.map((x) => depth(x, d + 1)));
  if (v && typeof v === 'object') return Math.max(d, ...Object.values(v).map((x) => depth(x, d + 1)));
  return d;
}

const isStringList = (v: unknown): v is string | string[] =>
  typeof v === 'string' || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string'));

function principalProblem(p: unknown, where: string): string | null {
  if (p === '*') return null;
  if (!p || typeof p !== 'object' || Array.isArray(p)) return `${where}: a Principal is "*" or an object such as {"AWS": ["arn:aws:iam:::user/NAME"]}`;
  for (const [k, v] of Object.entries(p)) {
    if (!PRINCIPAL_KEYS.has(k)) return `${where}: unknown Principal kind "${k.slice(0, 40)}" (AWS, CanonicalUser, Federated or Service)`;
    if (!isStringList(v)) return `${where}: Principal ${k} is a string or a list of strings`;
  }
  return null;
}

/**
 * The policy document in `text`, or the sentence saying why it is refused: well-formed JSON of at
 * most MAX_POLICY_BYTES, not deeper than a Condition block needs, a Statement list whose items have
 * a known Effect, Action (or NotAction) and Resource shapes, and a Principal of a known form.
 * `needsPrincipal`: bucket policies name whom they apply to; user policies must not.
 */
export function parsePolicy(text: string, needsPrincipal: boolean): { policy: PolicyDocument } | { problem: string } {
  if (Buffer.byteLength(text, 'utf8') > MAX_POLICY_BYTES) return { problem: `a policy is at most ${MAX_POLICY_BYTES} bytes` };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { problem: 'the policy is not well-formed JSON' };
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return { problem: 'a policy is a JSON object with a Statement list' };
  if (depth(doc) > MAX_POLICY_DEPTH) return { problem: `the policy is nested deeper than ${MAX_POLICY_DEPTH} levels` };
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d)) if (!['Version', 'Id', 'Statement'].includes(k)) return { problem: `unknown policy field "${k.slice(0, 40)}"` };
  if (d.Version !== undefined && d.Version !== '2012-10-17' && d.Version !== '2008-10-17') return { problem: 'Version is "2012-10-17"' };
  if (d.Id !== undefined && typeof d.Id !== 'string') return { problem: 'Id is a string' };
  const list = Array.isArray(d.Statement) ? d.Statement : d.Statement && typeof d.Statement === 'object' ? [d.Statement] : null;
  if (!list || list.length === 0) return { problem: 'a policy has a Statement list with at least one statement' };
  if (list.length > 100) return { problem: 'a policy has at most 100 statements' };
  for (const [i, s] of list.entries()) {
    const where = `Statement ${i + 1}`;
    if (!s || typeof s !== 'object' || Array.isArray(s)) return { problem: `${where} is not an object` };
    const st = s as Record<string, unknown>;
    for (const k of Object.keys(st)) if (!STATEMENT_KEYS.has(k)) return { problem: `${where}: unknown field "${k.slice(0, 40)}"` };
    if (st.Effect !== 'Allow' && st.Effect !== 'Deny') return { problem: `${where}: Effect is "Allow" or "Deny"` };
    if (st.Sid !== undefined && (typeof st.Sid !== 'string' || !/^[A-Za-z0-9 _.-]{0,128}$/.test(st.Sid)))
      return { problem: `${where}: Sid is letters and digits` };
    const action = st.Action ?? st.NotAction;
    if ((st.Action === undefined) === (st.NotAction === undefined)) return { problem: `${where}: give Action or NotAction (one of them)` };
    if (!isStringList(action) || [action].flat().some((a) => !ACTION.test(a)))
      return { problem: `${where}: an action is "*" or "s3:Name" (wildcards allowed), as a string or a list` };
    const resource = st.Resource ?? st.NotResource;
    if (resource === undefined) return { problem: `${where}: Resource is required` };
    if (!isStringList(resource) || [resource].flat().some((r) => !RESOURCE.test(r)))
      return { problem: `${where}: a resource is "*" or an ARN such as "arn:aws:s3:::bucket/*"` };
    const principal = st.Principal ?? st.NotPrincipal;
    if (needsPrincipal && principal === undefined) return { problem: `${where}: a bucket policy statement names a Principal` };
    if (!needsPrincipal && principal !== undefined) return { problem: `${where}: a user policy has no Principal (it applies to its user)` };
    if (principal !== undefined) {
      const p = principalProblem(principal, where);
      if (p) return { problem: p };
    }
    if (st.Condition !== undefined) {
      const c = st.Condition;
      if (!c || typeof c !== 'object' || Array.isArray(c)) return { problem: `${where}: Condition is an object of operators` };
      for (const block of Object.values(c)) {
        if (!block || typeof block !== 'object' || Array.isArray(block)) return { problem: `${where}: each Condition operator holds an object of keys` };
        for (const v of Object.values(block)) {
          const ok =
            ['string', 'number', 'boolean'].includes(typeof v) || (Array.isArray(v) && v.every((x) => ['string', 'number', 'boolean'].includes(typeof x)));
          if (!ok) return { problem: `${where}: a Condition value is a string, number, boolean or a list of them` };
        }
      }
    }
  }
  return { policy: { ...(d as object), Statement: list } as PolicyDocument };
}

/** The statements of a policy that allow something (Effect Allow). */
export function allowStatements(policy: PolicyDocument | null): PolicyStatement[] {
  return policy ? policy.Statement.filter((s) => s.Effect === 'Allow') : [];
}

const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : x,
  );

/**
 * Whether going from `before` to `after` can only narrow access: every Deny statement of
 * `before` is still there unchanged, and every statement added denies. (Removing a Deny, or adding
 * or changing an Allow, may widen access; removing an Allow cannot.)
 */
export function onlyNarrows(before: PolicyDocument | null, after: PolicyDocument | null): boolean {
  const oldList = before?.Statement ?? [];
  const old = oldList.map(canonical);
  const next = (after?.Statement ?? []).map(canonical);
  if (oldList.some((s, i) => s.Effect === 'Deny' && !next.includes(old[i]!))) return false;
  return (after?.Statement ?? []).every((s, i) => old.includes(next[i]!) || s.Effect === 'Deny');
}
