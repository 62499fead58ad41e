/**
 * How a contract's input travels over HTTP, as the daemon's routes read it (src/api/server.ts):
 * path parameters fill `:x` in the contract's path (URL-encoded; the router decodes them); GET
 * sends the rest as a query string, every other method as a JSON object body.
 *
 * The query string says what curl would: numbers as decimal text (the contracts coerce them:
 * `listShape`, `rowId`), strings as they are, a list as the parameter repeated (the daemon reads
 * a repeated parameter as an array, a single one as a string; list fields accept both). Booleans
 * of GET inputs are the strings 'true'/'false' in the contracts themselves. Anything a query
 * string cannot carry (an object, null) is refused here, before anything is sent.
 *
 * DELETE also reads a JSON body on the daemon, and its inputs hold real booleans
 * (`recursive: true`) that a query string would turn into text the contract refuses: DELETE
 * sends a body like POST.
 */
import type { AnyContract } from '../contracts/core.js';
import { ValidationError, type FieldError } from '../contracts/errors.js';

export const API_PREFIX = '/api/v1';

export interface Route {
  method: string;
  /** Path with the prefix, path parameters filled in and the query string appended. */
  path: string;
  /** The JSON body, for methods other than GET. */
  body?: string;
}

const PATH_PARAM = /:([A-Za-z_][A-Za-z0-9_]*)/g;

/** The request that runs `contract` with `input`; throws ValidationError for input no request can carry. */
export function routeOf(contract: AnyContract, input: unknown, prefix = API_PREFIX): Route {
  if (!contract.http) throw new ValidationError(`${contract.name} has no HTTP route: it cannot be called over the API`);
  if (input !== undefined && (input === null || typeof input !== 'object' || Array.isArray(input))) {
    throw new ValidationError('the input must be an object', [{ path: '', message: 'an object' }]);
  }
  const rest: Record<string, unknown> = { ...(input as Record<string, unknown> | undefined) };
  const problems: FieldError[] = [];
  const path = contract.http.path.replace(PATH_PARAM, (_, name: string) => {
    const value = rest[name];
    delete rest[name];
    if ((typeof value === 'string' && value !== '') || (typeof value === 'number' && Number.isFinite(value))) return pathSegment(String(value));
    problems.push({ path: name, message: value === undefined || value === '' ? 'required (part of the path)' : 'a string or number (part of the path)' });
    return '_';
  });
  const { method } = contract.http;
  let query = '';
  let body: string | undefined;
  if (method === 'GET') query = queryString(rest, problems);
  else body = JSON.stringify(rest);
  if (problems.length) throw new ValidationError(problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems);
  return { method, path: `${prefix}${path}${query ? `?${query}` : ''}`, body };
}

/** One path segment; `.` and `..` encoded too, so no proxy on the way reads them as a step up the path. */
function pathSegment(value: string): string {
  const encoded = encodeURIComponent(value);
  return encoded === '.' || encoded === '..' ? encoded.replace(/\./g, '%2E') : encoded;
}

function queryString(fields: Record<string, unknown>, problems: FieldError[]): string {
  const params = new URLSearchParams();
  const scalar = (key: string, value: unknown): string | null => {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
    problems.push({ path: key, message: `${value === null ? 'null' : typeof value} cannot be sent in a query string` });
    return null;
  };
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        const text = scalar(`${key}.${i}`, item);
        if (text !== null) params.append(key, text);
      });
      continue;
    }
    const text = scalar(key, value);
    if (text !== null) params.append(key, text);
  }
  return params.toString();
}
