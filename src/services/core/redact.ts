/** Field names whose values never reach logs, audit rows or API answers. */
export const SECRET_KEY = /pass(word|phrase)?$|secret|token|^key$|private.?key|credential/i;

export const REDACTED = '[redacted]';

/** What a redacted password or token in a URL is shown as. */
export const URL_SECRET = '***';

/** Query parameters whose values are credentials (token=, api_key=, X-Amz-Signature=, password=...). */
const SECRET_PARAM = /(?:token|key|secret|pass(?:word|wd)?|sig(?:nature)?|auth|credential|session)/i;

/** Every URL with a scheme in a text: `scheme://` up to white space or a quote. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;

/**
 * A URL with its credentials hidden: `scheme://user:secret@host` -> `scheme://user:***@host`,
 * `scheme://token@host` -> `scheme://***@host`, and the values of query parameters named like a
 * credential -> `***`. Anything else (host, path, other parameters) is kept, so the URL still
 * says where it points. Text that is not a URL is returned unchanged.
 */
export function redactUrl(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/is.exec(url);
  if (!m) return url;
  const [, scheme, authority, rest] = m;
  let out = scheme;
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(':');
    out += colon >= 0 ? `${userinfo.slice(0, colon)}:${URL_SECRET}@` : `${URL_SECRET}@`;
    out += authority.slice(at + 1);
  } else {
    out += authority;
  }
  const q = rest.indexOf('?');
  if (q < 0) return out + rest;
  const hash = rest.indexOf('#', q);
  const query = rest.slice(q + 1, hash < 0 ? undefined : hash);
  const cleaned = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      let name = pair.slice(0, eq);
      try {
        name = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // keep the raw name
      }
      return SECRET_PARAM.test(name) && pair.length > eq + 1 ? `${pair.slice(0, eq)}=${URL_SECRET}` : pair;
    })
    .join('&');
  return `${out}${rest.slice(0, q)}?${cleaned}${hash < 0 ? '' : rest.slice(hash)}`;
}

/** The text with every URL in it passed through redactUrl(). */
export function redactUrls(text: string): string {
  return text.includes('://') ? text.replace(URL_IN_TEXT, redactUrl) : text;
}

/**
 * A deep copy with secret-looking fields replaced, and credentials in URLs hidden wherever
 * they appear in a string; safe on cyclic or odd values.
 */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[deep]';
  if (typeof value === 'string') return redactUrls(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY.test(k) && v !== undefined && v !== null ? REDACTED : redact(v, depth + 1);
    }
    return out;
  }
  return value;
}

/**
 * For log records: credentials in URLs hidden in every string of plain objects and arrays, and
 * in the message and stack of an error (a copy is made only when they hold a URL); other values
 * (buffers, dates) are left to the logger's serializers untouched.
 */
export function redactUrlsDeep<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return redactUrls(value) as T;
  if (depth > 8 || !value || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactUrlsDeep(v, depth + 1)) as T;
  if (value instanceof Error) {
    if (!`${value.message}${value.stack ?? ''}`.includes('://')) return value;
    const copy = new Error(redactUrls(value.message));
    copy.name = value.name;
    copy.stack = value.stack === undefined ? undefined : redactUrls(value.stack);
    for (const [k, v] of Object.entries(value)) (copy as unknown as Record<string, unknown>)[k] = redactUrlsDeep(v, depth + 1);
    return copy as T;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactUrlsDeep(v, depth + 1);
  return out as T;
}
