/** Field names whose values never reach logs, audit rows or API answers. */
export const SECRET_KEY = /pass(word|phrase)?$|secret|token|^key$|private.?key|credential/i;

export const REDACTED = '[redacted]';

/** A deep copy with secret-looking fields replaced; safe on cyclic or odd values. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[deep]';
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
