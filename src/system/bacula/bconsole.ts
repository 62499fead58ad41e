/**
 * The bconsole driver: one bconsole process per batch of commands, fed on its standard input,
 * always with an absolute `-c` path (a relative one makes 9.6 silently talk to the default
 * port). The password lives in that configuration file (mode 0600), never in argv, logs or
 * errors; what bconsole prints back never contains it.
 *
 * Bareos 2x: `bconsole -c FILE` works the same; its answers differ where parse.ts says so.
 */
import { HostCommandError, type Host } from '../host.js';
import { ToolRefusal, type RefusalKind } from '../tool-refusal.js';
import { trailingPrompt } from './parse.js';

export const BCONSOLE = 'bconsole';

/** A bconsole command failed or answered with a refusal: carries the command and bconsole's answer. */
export class BaculaCommandError extends HostCommandError {
  constructor(
    readonly consoleCommand: string,
    readonly output: string,
    message: string,
    code: number | null = 0,
  ) {
    super(BCONSOLE, [consoleCommand], code, output, message);
    this.name = 'BaculaCommandError';
  }
}

/**
 * The director said no for a reason the user can act on (no such job or pool, a volume status, a
 * duplicate label, a job that is not running): a ToolRefusal, so the faces answer 404/409/400
 * with the director's own sentence.
 */
export class BaculaRefusal extends ToolRefusal {
  constructor(
    readonly consoleCommand: string,
    readonly output: string,
    sentence: string,
    kind: RefusalKind,
  ) {
    super(new HostCommandError(BCONSOLE, [consoleCommand], 0, output), sentence, kind);
    this.name = 'BaculaRefusal';
  }
}

export interface BconsoleOptions {
  /** Absolute path of bconsole.conf (the director's address, port and password). */
  configPath: string;
  /** Whole-session timeout (default 30 s). */
  timeoutMs?: number;
}

/**
 * A value placed in a bconsole command line: bconsole splits on spaces and reads double quotes,
 * and a newline would start another command; so no quote, backslash or control character, and
 * values with spaces are quoted.
 */
export function consoleValue(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (value.length === 0 || /["\\\u0000-\u001f\u007f]/.test(value))
    throw new BaculaCommandError('(refused)', '', `refusing to pass ${JSON.stringify(value)} to bconsole`);
  return /[\s=]/.test(value) ? `"${value}"` : value;
}

/** Sentences of the director that refuse a command (9.6.7 wording, see the fixtures), with the kind of refusal. */
const REFUSALS: { pattern: RegExp; kind: RefusalKind }[] = [
  { pattern: /^Invalid .+/, kind: 'invalid' },
  { pattern: /^Cannot (prune|purge) .+/, kind: 'conflict' },
  { pattern: /cannot be purged\.$/, kind: 'conflict' },
  { pattern: /^Warning Job JobId=\d+ is not running\.$/, kind: 'conflict' },
  { pattern: /already exists\.$/, kind: 'conflict' },
  { pattern: /^(Job|Client|Pool|Storage|Volume|FileSet|Schedule) "?[^"]*"? not found/, kind: 'missing' },
  { pattern: /^Could not find (Client|Job|Pool|Storage)/, kind: 'missing' },
];

function refusalIn(command: string, output: string): BaculaRefusal | null {
  const lines = output.split('\n').map((l) => l.trim());
  for (const { pattern, kind } of REFUSALS) {
    const line = lines.find((l) => pattern.test(l));
    if (line) return new BaculaRefusal(command, output, line, kind);
  }
  const prompt = trailingPrompt(output);
  if (prompt) return new BaculaRefusal(command, output, `bconsole asked "${prompt}": the command could not be done as given`, 'invalid');
  return null;
}

export class Bconsole {
  private readonly timeoutMs: number;

  constructor(
    private readonly host: Host,
    private readonly opts: BconsoleOptions,
  ) {
    if (!opts.configPath.startsWith('/')) throw new Error(`bconsole's -c path must be absolute (a relative one talks to the default port): ${opts.configPath}`);
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  /**
   * Runs the commands in one session and returns each one's answer. A command the director
   * refuses (or answers with a question) throws a BaculaRefusal; so a command that may ask
   * something is best sent alone, or the next command would be read as its answer (the echo
   * check below catches that and fails the batch).
   */
  async batch(commands: string[]): Promise<string[]> {
    for (const c of commands) {
      // eslint-disable-next-line no-control-regex -- control characters are what is refused
      if (!c.trim() || /[\u0000-\u001f\u007f]/.test(c)) throw new BaculaCommandError(c, '', `not one bconsole command line: ${JSON.stringify(c)}`);
    }
    let out: { stdout: string; stderr: string; code: number };
    try {
      out = await this.host.run(BCONSOLE, ['-n', '-c', this.opts.configPath], {
        input: `${commands.join('\n')}\nquit\n`,
        timeoutMs: this.timeoutMs,
      });
    } catch (err) {
      if (err instanceof HostCommandError) {
        const first = err.stderr.trim().split('\n')[0] ?? '';
        throw new BaculaCommandError(commands.join('; '), err.stderr, `bconsole could not talk to the director${first ? `: ${first}` : ''}`, err.code);
      }
      throw err;
    }
    const text = out.stdout.replace(/\r/g, '');
    if (!/^\d{4} OK: /m.test(text)) {
      const why = (text + out.stderr).trim().split('\n').filter(Boolean).slice(-1)[0] ?? 'no answer';
      throw new BaculaCommandError(commands.join('; '), text, `bconsole could not talk to the director: ${why}`);
    }
    return this.split(commands, text);
  }

  async one(command: string): Promise<string> {
    return (await this.batch([command]))[0]!;
  }

  /** Cuts the session's output at each echoed command; refuses an answer that ends in a question. */
  private split(commands: string[], text: string): string[] {
    const lines = text.split('\n');
    const starts: number[] = [];
    let from = 0;
    for (const c of commands) {
      const at = lines.findIndex((l, i) => i >= from && l.trim() === c.trim());
      if (at < 0) {
        const previous = commands[starts.length - 1] ?? c;
        const answer = starts.length ? lines.slice(starts[starts.length - 1]).join('\n') : text;
        throw refusalIn(previous, answer) ?? new BaculaCommandError(c, text, `bconsole did not take the command ${JSON.stringify(c)}`);
      }
      starts.push(at);
      from = at + 1;
    }
    const quitAt = lines.findIndex((l, i) => i >= from && l.trim() === 'quit');
    return commands.map((c, i) => {
      const end = i + 1 < starts.length ? starts[i + 1]! : quitAt >= 0 ? quitAt : lines.length;
      const answer = lines.slice(starts[i]!, end).join('\n');
      const refusal = refusalIn(c, answer);
      if (refusal) throw refusal;
      return answer;
    });
  }
}
