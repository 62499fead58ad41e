/**
 * A tool that ran and said no for a reason the user can act on ("currently scrubbing", "dataset
 * is busy", "out of space"): a refusal, not a failure of the appliance. Adapters in src/system
 * recognise their tool's sentences and throw this instead of the plain HostCommandError, so the
 * services never parse stderr and the faces answer 409/404/400 with the tool's own sentence
 * instead of 502 with an error-level log.
 *
 * It is still a HostCommandError (command, args, exit code, stderr), so code that retries on a
 * tool's answer keeps working.
 */
import { HostCommandError } from './host.js';

/** conflict: the state of the machine forbids it now (409); missing: it names what is not there (404); invalid: the value is refused (400). */
export type RefusalKind = 'conflict' | 'missing' | 'invalid';

export class ToolRefusal extends HostCommandError {
  constructor(
    from: HostCommandError,
    /** The tool's own line that says why, e.g. "cannot scrub tank: currently scrubbing; ...". */
    readonly sentence: string,
    readonly kind: RefusalKind,
  ) {
    super(from.command, from.args, from.code, from.stderr, sentence, from.stdout);
    this.name = 'ToolRefusal';
  }
}

/** One known refusal of a tool: a pattern on its standard error, and what kind of no it is. */
export interface RefusalPattern {
  pattern: RegExp;
  kind: RefusalKind;
}

const MAX_SENTENCE = 300;

/**
 * The ToolRefusal for a failed command whose stderr matches one of `patterns`, or null.
 * Usage errors (the tool printed its usage: Calypso built a bad command), timeouts and tools that
 * could not start are never refusals: those stay failures (502).
 */
export function refusalOf(err: unknown, patterns: readonly RefusalPattern[]): ToolRefusal | null {
  if (!(err instanceof HostCommandError) || err instanceof ToolRefusal || err.code === null || err.code === 0) return null;
  if (/^usage:/m.test(err.stderr)) return null;
  const lines = err.stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  for (const { pattern, kind } of patterns) {
    const line = lines.find((l) => pattern.test(l));
    if (line) return new ToolRefusal(err, line.length > MAX_SENTENCE ? `${line.slice(0, MAX_SENTENCE)}...` : line, kind);
  }
  return null;
}
