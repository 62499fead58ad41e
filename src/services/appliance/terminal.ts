/**
 * Shells on the appliance (issue 15, "Terminal") and the local-console password resets ("Power and
 * recovery"). Every shell is a row of terminal_sessions with an audit row at its start and one at
 * its end naming how long it was open.
 *
 * - Console: appliance.terminal.open (Admin, on the daemon's Unix socket only) records the start
 *   and answers what to run; the console runs it in its own terminal and calls .close after.
 * - WebSocket (opt-in): appliance.terminal.ticket hands an Admin a one-time ticket (30 s); the API
 *   face redeems it on the upgrade and hands the socket to attach(), which runs the shell in a pty,
 *   relays input, output and resizes, bounds what it queues, and closes after an idle time.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { terminalContracts as c, terminalCols, terminalPermissions, terminalRows } from '../../contracts/appliance-terminal.js';
import { nowIso } from '../../contracts/time.js';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Host } from '../../system/host.js';
import { demoShell, loginShell, type ShellSpec } from '../../system/shells.js';
import { spawnPty, type PtyProcess, type PtySpawner } from '../../system/pty.js';
import { isVirtualConsole } from '../../system/socket-peer.js';
import { setRootPassword } from '../../system/accounts.js';
import { writeAudit } from '../core/audit.js';
import type { EventBus } from '../core/events.js';
import { SYSTEM_ACTOR, type CallMeta, type Ctx, type UserActor } from '../core/context.js';
import { Conflict, Forbidden, NotFound, Unauthenticated } from '../core/errors.js';
import { implement, type Registry } from '../core/registry.js';

/** The clock of idle timeouts and ticket expiry (tests move it by hand: test/helpers/manual-clock.ts fits). */
export interface TerminalClock {
  now(): number;
  /** Calls fn every ms milliseconds until the returned function is called. */
  every(ms: number, fn: () => void): () => void;
}

const realClock: TerminalClock = {
  now: () => Date.now(),
  every: (ms, fn) => {
    const t = setInterval(fn, ms);
    t.unref();
    return () => clearInterval(t);
  },
};

export interface TerminalOptions {
  /** The WebSocket terminal is on (calypso serve --terminal-websocket). Default off. */
  websocket?: boolean;
  /** An idle WebSocket terminal (no input) closes after this long. Default 15 minutes. */
  idleMs?: number;
  /** A ticket works this long after it was issued. Default 30 s. */
  ticketTtlMs?: number;
  clock?: TerminalClock;
  spawnPty?: PtySpawner;
  /** Where the simulated appliance's demonstration shell lives (its bin/ and home/). */
  demoDir?: string;
  /** WebSocket terminals open at once, at most. Default 4. */
  maxOpen?: number;
  /** Output bytes queued to a slow client before the shell is paused (resumed below a quarter). Default 256 KiB. */
  highWaterBytes?: number;
}

export const DEFAULT_IDLE_MS = 15 * 60_000;
export const TICKET_TTL_MS = 30_000;
/** The largest input message a client may send (characters), and the WebSocket's frame limit. */
export const MAX_INPUT_CHARS = 16 * 1024;
export const MAX_FRAME_BYTES = 64 * 1024;
export const TERMINAL_WS_PATH = '/appliance/terminal/ws';

/** What the client of the WebSocket terminal sends: keystrokes and size changes, as JSON text frames. */
export const clientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('input'), data: z.string().max(MAX_INPUT_CHARS) }).strict(),
  z.object({ type: z.literal('resize'), cols: terminalCols, rows: terminalRows }).strict(),
]);

/** The WebSocket as the service sees it: the API face adapts `ws` to this. */
export interface TerminalChannel {
  /** Sends one text frame; `done` runs once it left (or failed). */
  send(text: string, done: (err?: Error) => void): void;
  close(code: number, reason: string): void;
}

/** Close codes the terminal uses besides 1000 (normal) and 1011 (failure). */
export const CLOSE_IDLE = 4000;
export const CLOSE_BAD_MESSAGE = 1008;
export const CLOSE_SHUTDOWN = 1001;

interface Ticket {
  actor: UserActor;
  cols: number;
  rows: number;
  expiresAt: number;
}

interface SessionRow {
  id: number;
  kind: 'console' | 'websocket';
  user_id: number | null;
  username: string;
  face: string;
  address: string | null;
  opened_at: string;
  closed_at: string | null;
  duration_ms: number | string | null;
  end_reason: string | null;
}

function sessionOut(r: SessionRow) {
  return {
    id: Number(r.id),
    kind: r.kind,
    username: r.username,
    face: r.face,
    address: r.address,
    openedAt: r.opened_at,
    closedAt: r.closed_at,
    durationSeconds: r.duration_ms === null ? null : Math.round(Number(r.duration_ms) / 100) / 10,
    endReason: r.end_reason,
  };
}

/** "3 min 12 s", "1 h 4 min", "0.4 s". */
export function durationText(ms: number): string {
  if (ms < 10_000) return `${Math.round(ms / 100) / 10} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60) ? `${Math.floor(s / 60)} min ` : ''}${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export interface OpenConnection {
  /** A text frame from the client. */
  message(text: string): void;
  /** The client went away (or the socket closed). */
  closed(): void;
}

export class TerminalService {
  readonly websocket: boolean;
  readonly idleMs: number;
  private readonly ticketTtlMs: number;
  private readonly clock: TerminalClock;
  private readonly spawn: PtySpawner;
  private readonly maxOpen: number;
  private readonly highWater: number;
  private readonly tickets = new Map<string, Ticket>();
  private readonly open = new Set<{ end: (reason: string, code: number) => Promise<void> }>();
  /** Sessions whose end (session row, audit row, socket close) is being written: closeAll waits for them too. */
  private readonly ending = new Set<Promise<void>>();

  constructor(
    private readonly deps: { db: Knex; host: Host; events: EventBus; log: Logger },
    private readonly opts: TerminalOptions = {},
  ) {
    this.websocket = opts.websocket === true;
    this.idleMs = opts.idleMs ?? DEFAULT_IDLE_MS;
    this.ticketTtlMs = opts.ticketTtlMs ?? TICKET_TTL_MS;
    this.clock = opts.clock ?? realClock;
    this.spawn = opts.spawnPty ?? spawnPty;
    this.maxOpen = opts.maxOpen ?? 4;
    this.highWater = opts.highWaterBytes ?? 256 * 1024;
  }

  /** What a shell on this appliance runs: a login shell, or on the simulated appliance the demonstration shell. */
  async shell(): Promise<ShellSpec> {
    if (this.deps.host.kind === 'sim') {
      const dir = this.opts.demoDir ?? path.join(os.tmpdir(), `calypso-demo-shell-${process.getuid?.() ?? 'user'}`);
      return demoShell(dir);
    }
    return loginShell(os.hostname());
  }

  async openSession(meta: CallMeta, kind: 'console' | 'websocket'): Promise<number> {
    const actor = meta.actor;
    const [row] = await this.deps
      .db('terminal_sessions')
      .insert({
        kind,
        user_id: actor?.kind === 'user' ? actor.id : null,
        username: actor?.username ?? 'anonymous',
        face: meta.face,
        address: meta.address ?? null,
        opened_at: nowIso(),
      })
      .returning('id');
    return Number(typeof row === 'object' ? (row as { id: number }).id : row);
  }

  /** Closes the session's row (once); answers it. */
  async closeSession(id: number, reason: string, endedAt = Date.now()): Promise<SessionRow> {
    const row = (await this.deps.db('terminal_sessions').where({ id }).first()) as SessionRow | undefined;
    if (!row) throw new NotFound(`no terminal session ${id}`);
    if (row.closed_at) throw new Conflict(`terminal session ${id} was closed already, at ${row.closed_at}`);
    const duration = Math.max(0, endedAt - Date.parse(row.opened_at));
    const change = { closed_at: new Date(endedAt).toISOString(), duration_ms: duration, end_reason: reason.slice(0, 200) };
    await this.deps.db('terminal_sessions').where({ id }).update(change);
    return { ...row, ...change };
  }

  async list(limit: number, offset: number) {
    const [{ n }] = await this.deps.db('terminal_sessions').count({ n: '*' });
    const rows = (await this.deps.db('terminal_sessions').orderBy('id', 'desc').limit(limit).offset(offset)) as SessionRow[];
    return { items: rows.map(sessionOut), total: Number(n) };
  }

  issueTicket(actor: UserActor, cols: number, rows: number): { ticket: string; expiresAt: string } {
    const now = this.clock.now();
    for (const [k, t] of this.tickets) if (t.expiresAt <= now) this.tickets.delete(k);
    if (this.tickets.size >= 100) throw new Conflict('too many terminal tickets are waiting to be used; try again in 30 seconds');
    const ticket = crypto.randomBytes(32).toString('base64url');
    const expiresAt = now + this.ticketTtlMs;
    this.tickets.set(hashTicket(ticket), { actor, cols, rows, expiresAt });
    return { ticket, expiresAt: new Date(expiresAt).toISOString() };
  }

  /**
   * Checks what the upgrade brought before the socket becomes a WebSocket: the terminal is on, the
   * ticket is known, unused and in time (it is used up here, whatever follows). Throws the problem
   * to answer instead.
   */
  redeem(ticket: string | null): Ticket {
    if (!this.websocket) throw new Conflict(WEBSOCKET_OFF);
    if (!ticket) throw new Unauthenticated('the WebSocket terminal needs a ticket: POST /api/v1/appliance/terminal/tickets, then connect with ?ticket=...');
    const key = hashTicket(ticket.slice(0, 200));
    const t = this.tickets.get(key);
    this.tickets.delete(key);
    if (!t || t.expiresAt <= this.clock.now()) throw new Unauthenticated('the terminal ticket is unknown, used already or expired: ask for a new one');
    if (this.open.size >= this.maxOpen) throw new Conflict(`${this.open.size} WebSocket terminals are open, the most this appliance allows at once`);
    return t;
  }

  /** Runs the shell in a pty for a redeemed ticket and relays it over `channel`. */
  async attach(t: Ticket, meta: { address?: string; requestId?: string }, channel: TerminalChannel): Promise<OpenConnection> {
    const callMeta: CallMeta = { actor: t.actor, face: 'api', address: meta.address, requestId: meta.requestId };
    const spec = await this.shell();
    const sessionId = await this.openSession(callMeta, 'websocket');
    const target = `terminal session ${sessionId}`;
    await writeAudit(this.deps.db, this.deps.events, callMeta, {
      operation: 'appliance.terminal.websocket',
      target,
      input: { cols: t.cols, rows: t.rows, demo: spec.demo },
      result: 'ok',
    });
    const env: Record<string, string> = {
      TERM: 'xterm-256color',
      LANG: process.env.LANG ?? 'C.UTF-8',
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: os.homedir(),
      USER: os.userInfo().username,
      LOGNAME: os.userInfo().username,
      ...spec.env,
    };
    let pty: PtyProcess;
    try {
      pty = await this.spawn(spec.command, spec.args, { cols: t.cols, rows: t.rows, env, cwd: spec.cwd ?? os.homedir() });
    } catch (err) {
      await this.closeSession(sessionId, 'the shell did not start');
      channel.close(1011, 'the shell did not start');
      throw err;
    }
    let lastInput = this.clock.now();
    let pending = 0;
    let paused = false;
    let ended = false;
    const send = (msg: object) => {
      if (ended) return;
      const text = JSON.stringify(msg);
      const bytes = Buffer.byteLength(text);
      pending += bytes;
      if (!paused && pending > this.highWater) {
        paused = true;
        pty.pause();
      }
      channel.send(text, () => {
        pending -= bytes;
        if (paused && pending < this.highWater / 4) {
          paused = false;
          pty.resume();
        }
      });
    };
    const entry = {
      end: async (reason: string, code: number) => {
        if (ended) return;
        ended = true;
        stopIdle();
        this.open.delete(entry);
        // The shell is told to go now; the end is over once it has gone too (closeAll waits for it: the daemon stops
        // without leaving a shell or its terminal behind).
        const killed = pty.kill();
        // The session row and its closing audit row are written before the socket closes: a client that saw the close
        // finds both (and a failed write still closes the socket). Until then the end is in `ending`, so the daemon's
        // closeAll waits for writes begun before it (by the shell exiting, the client leaving) and closes the
        // database only after them.
        const writes = (async () => {
          try {
            const row = await this.closeSession(sessionId, reason);
            await writeAudit(this.deps.db, this.deps.events, callMeta, {
              operation: 'appliance.terminal.websocket.close',
              target: `${target}: ${durationText(Number(row.duration_ms))} (${reason})`,
              input: { sessionId },
              result: 'ok',
            });
          } finally {
            channel.close(code, reason.slice(0, 120));
          }
        })();
        const over = Promise.all([writes.catch(() => undefined), killed]).then(() => undefined);
        this.ending.add(over);
        await over;
        this.ending.delete(over);
        await writes; // its error, if any, for the caller
      },
    };
    const end = (reason: string, code: number) => {
      entry.end(reason, code).catch((err: unknown) => this.deps.log.error({ err, sessionId }, 'closing a terminal session failed'));
    };
    this.open.add(entry);
    const stopIdle = this.clock.every(Math.min(10_000, this.idleMs), () => {
      if (this.clock.now() - lastInput >= this.idleMs) end(`idle for ${durationText(this.idleMs)}`, CLOSE_IDLE);
    });
    pty.onData((data) => send({ type: 'output', data }));
    pty.onExit(({ exitCode }) => {
      send({ type: 'exit', exitCode });
      end(`the shell exited (${exitCode})`, 1000);
    });
    if (spec.banner) send({ type: 'output', data: `${spec.banner.replace(/\n/g, '\r\n')}\r\n` });
    return {
      message: (text) => {
        if (ended) return;
        let msg: z.infer<typeof clientMessage>;
        try {
          msg = clientMessage.parse(JSON.parse(text));
        } catch {
          end('a message that is not {"type":"input","data":...} or {"type":"resize","cols":...,"rows":...}', CLOSE_BAD_MESSAGE);
          return;
        }
        lastInput = this.clock.now();
        if (msg.type === 'input') pty.write(msg.data);
        else pty.resize(msg.cols, msg.rows);
      },
      closed: () => end('the client closed the connection', 1000),
    };
  }

  /**
   * At the daemon's start: WebSocket terminals still open in the table died with the previous daemon
   * (their pty was its child). Console shells are the consoles' own and close when they come back.
   */
  async recover(): Promise<number> {
    return this.deps
      .db('terminal_sessions')
      .where({ kind: 'websocket' })
      .whereNull('closed_at')
      .update({ closed_at: nowIso(), end_reason: 'Calypso stopped while it was open' });
  }

  /** Open WebSocket terminals (tests, shutdown). */
  get openCount(): number {
    return this.open.size;
  }

  /** Ends every WebSocket terminal (the daemon stops). */
  async closeAll(reason = 'Calypso is stopping'): Promise<void> {
    await Promise.all([...[...this.open].map((e) => e.end(reason, CLOSE_SHUTDOWN)), ...this.ending]);
  }
}

const WEBSOCKET_OFF =
  'the WebSocket terminal is off on this appliance (the default): start the daemon with --terminal-websocket (or CALYPSO_TERMINAL_WEBSOCKET=1) to allow Admins to open one';

function hashTicket(ticket: string): string {
  return crypto.createHash('sha256').update(ticket).digest('hex');
}

/**
 * The local console, as the kernel tells it: the call came on the daemon's Unix socket, from a
 * process of root or of the daemon's own user, not in an SSH session, on one of the machine's
 * virtual consoles (tty1-tty63, /dev/console). On the simulated appliance any terminal that is not
 * SSH will do (a demonstration runs in a terminal window; its root password is the simulated one).
 */
async function requireLocalConsole(ctx: Ctx): Promise<void> {
  const where = 'only on the appliance’s local console (its own screen and keyboard)';
  if (!ctx.localPeer) throw new Forbidden(`${where}: not over the network API`);
  const peer = await ctx.localPeer();
  if (!peer) throw new Forbidden(`${where}: the daemon could not tell which process is at the other end of its socket`);
  if (peer.ssh) throw new Forbidden(`${where}: not from an SSH session`);
  const own = process.getuid?.() ?? 0;
  if (peer.uid !== 0 && peer.uid !== own) throw new Forbidden(`${where}: the console runs as user ${peer.uid}, not root or the daemon’s user`);
  if (ctx.host.kind === 'sim' ? peer.tty === null : !isVirtualConsole(peer.tty))
    throw new Forbidden(`${where}: this console runs on ${peer.tty ?? 'no terminal'}, not a virtual console such as /dev/tty1`);
}

export function registerTerminal(registry: Registry, service: TerminalService): void {
  registry.addPermissions(terminalPermissions);
  registry.add(
    implement(c['appliance.terminal.open'], async (ctx) => {
      // The caller may open shells (Admin); this is about where: 409, not an authorization refusal.
      if (!ctx.localPeer)
        throw new Conflict('a console shell opens only in a console on the appliance (the daemon’s Unix socket); remotely, use the WebSocket terminal');
      const spec = await service.shell();
      const sessionId = await service.openSession(ctx, 'console');
      ctx.setAuditTarget(`terminal session ${sessionId}`);
      return { sessionId, ...spec };
    }),
  );
  registry.add(
    implement(c['appliance.terminal.close'], async (ctx, i) => {
      const row = (await ctx.db('terminal_sessions').where({ id: i.sessionId }).first()) as SessionRow | undefined;
      if (!row || row.kind !== 'console') throw new NotFound(`no console terminal session ${i.sessionId}`);
      if (ctx.actor?.kind === 'user' && row.user_id !== ctx.actor.id) throw new Forbidden(`terminal session ${i.sessionId} is ${row.username}’s, not yours`);
      const closed = await service.closeSession(i.sessionId, i.exitCode === null ? 'the shell ended' : `the shell exited (${i.exitCode})`);
      ctx.setAuditTarget(`terminal session ${i.sessionId}: ${durationText(Number(closed.duration_ms))}`);
      return sessionOut(closed);
    }),
  );
  registry.add(
    implement(c['appliance.terminal.sessions'], async (_ctx, i) => ({
      ...(await service.list(i.limit, i.offset)),
      websocket: { enabled: service.websocket, idleSeconds: service.idleMs / 1000 },
    })),
  );
  registry.add(
    implement(c['appliance.terminal.ticket'], async (ctx, i) => {
      if (!service.websocket) throw new Conflict(WEBSOCKET_OFF);
      if (ctx.actor?.kind !== 'user') throw new Forbidden('a terminal ticket is for a logged-in user');
      const t = service.issueTicket(ctx.actor, i.cols, i.rows);
      return { ...t, path: `/api/v1${TERMINAL_WS_PATH}`, idleSeconds: service.idleMs / 1000 };
    }),
  );
  registry.add(
    implement(c['appliance.recovery.password'], async (ctx, i) => {
      await requireLocalConsole(ctx);
      // As the system: the person at the console may not be logged in (that is the point).
      await ctx.call('iam.users.password', { username: i.username, password: i.newPassword }, { actor: SYSTEM_ACTOR, face: ctx.face, address: ctx.address });
      return { ok: true as const, text: `The password of ${i.username} was reset on the local console; their sessions were ended.` };
    }),
  );
  registry.add(
    implement(c['appliance.recovery.root'], async (ctx, i) => {
      await requireLocalConsole(ctx);
      await setRootPassword(ctx.host, i.newPassword);
      return {
        ok: true as const,
        text: ctx.host.kind === 'sim' ? 'The simulated appliance’s root password was reset (this machine’s was not touched).' : 'The root password was reset.',
      };
    }),
  );
}
