/**
 * The appliance's terminal and local-console recovery (issue 15, "Terminal" and "Power and
 * recovery"). A shell on the appliance is Admin only and audited: the console opens one in its own
 * terminal (appliance.terminal.open says what to run and records the start; .close records the
 * end and how long it took); a remote administrator opens one over a WebSocket (opt-in, off by
 * default) with a one-time ticket from appliance.terminal.ticket. Password resets on the local
 * console need no login, like a serious appliance's console menu: the daemon believes "local
 * console" only from what the kernel says about the process at the other end of its Unix socket
 * (docs/security.md, "Local console").
 */
import { z } from 'zod';
import { contractSet, defineContract, definePermissions, PUBLIC } from './core.js';
import { listOf, listShape } from './list.js';
import { isoTime } from './time.js';
import { passwordSchema, USER_NAME } from './iam.js';

export const terminalPermissions = definePermissions([
  { name: 'appliance.terminal', description: 'Open a shell on the appliance (console and WebSocket terminal); see who did', level: 'admin' },
]);

/** A terminal's size in character cells. */
export const terminalCols = z.number().int().min(10).max(500).describe('Columns');
export const terminalRows = z.number().int().min(2).max(200).describe('Rows');

/** What the local root password may be: chpasswd reads one line, split at the first colon. */
export const rootPasswordSchema = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(200, 'must be at most 200 characters')
  .regex(/^[^\n\r\0]*$/, 'one line: no line breaks')
  .describe('The new root password (at least 8 characters, one line)');

export const terminalSessionSchema = z.object({
  id: z.number().int().describe('Session id'),
  kind: z.enum(['console', 'websocket']).describe('console: a shell in the console’s own terminal; websocket: the remote terminal'),
  username: z.string().describe('Who opened it'),
  face: z.string().describe('Which face it was opened from (console or api)'),
  address: z.string().nullable().describe('The client address (null: the local socket)'),
  openedAt: isoTime().describe('When it opened'),
  closedAt: isoTime().nullable().describe('When it closed (null: still open, or the daemon stopped under it)'),
  durationSeconds: z.number().nullable().describe('How long it was open, in seconds (null: still open)'),
  endReason: z.string().nullable().describe('Why it ended: the shell exited, idle timeout, the client left...'),
});

const passwordUsername = z.string().max(32).regex(USER_NAME, 'a Calypso login name').describe('The Calypso account whose password is reset');

export const terminalContracts = contractSet([
  defineContract({
    name: 'appliance.terminal.open',
    summary: 'Open a shell on the appliance in this console (Admin; from a console on the appliance only)',
    description:
      'Records the start (audited) and answers what the console runs in its own terminal: a login shell on a real appliance, a restricted demonstration shell on the simulated one. Refused over TCP: the shell runs where the console runs.',
    permission: 'appliance.terminal',
    mutating: true,
    input: z.object({}),
    output: z.object({
      sessionId: z.number().int().describe('Pass it to appliance.terminal.close when the shell exits'),
      command: z.string().describe('The program to run'),
      args: z.array(z.string()).describe('Its arguments'),
      env: z.record(z.string(), z.string()).describe('Environment entries to set (the demonstration shell’s PATH, HOME and prompt)'),
      cwd: z.string().nullable().describe('The directory to start in (null: the console’s own)'),
      banner: z.string().describe('Printed before the shell starts: where it runs and how to come back'),
      demo: z.boolean().describe('true: the simulated appliance’s restricted demonstration shell, not this machine’s login shell'),
    }),
    http: { method: 'POST', path: '/appliance/terminal/console' },
  }),
  defineContract({
    name: 'appliance.terminal.close',
    summary: 'Record that a console shell ended (audited, with how long it was open)',
    permission: 'appliance.terminal',
    mutating: true,
    input: z.object({
      sessionId: z.coerce
        .number()
        .int()
        .min(1)
        .max(2 ** 31 - 1)
        .describe('The session appliance.terminal.open answered'),
      exitCode: z.number().int().min(-1).max(255).nullable().default(null).describe('How the shell exited (null: unknown)'),
    }),
    output: terminalSessionSchema,
    target: (i) => `terminal session ${i.sessionId}`,
    http: { method: 'POST', path: '/appliance/terminal/console/:sessionId/close' },
  }),
  defineContract({
    name: 'appliance.terminal.sessions',
    summary: 'Terminal sessions: who opened a shell on the appliance, when and for how long',
    permission: 'appliance.terminal',
    mutating: false,
    input: z.object({ ...listShape }),
    output: listOf(terminalSessionSchema).extend({
      websocket: z
        .object({
          enabled: z.boolean().describe('The WebSocket terminal is on (the daemon was started with --terminal-websocket)'),
          idleSeconds: z.number().describe('An idle WebSocket terminal closes after this many seconds without input'),
        })
        .describe('The remote terminal’s setting'),
    }),
    http: { method: 'GET', path: '/appliance/terminal/sessions' },
  }),
  defineContract({
    name: 'appliance.terminal.ticket',
    summary: 'A one-time ticket to open the WebSocket terminal (Admin; only when the daemon enables it)',
    description:
      'Browsers cannot send an Authorization header on a WebSocket: connect to the answered path with ?ticket=... within 30 seconds. The ticket works once, for the user who asked for it. Refused (409) when the WebSocket terminal is off.',
    permission: 'appliance.terminal',
    mutating: true,
    input: z.object({
      cols: terminalCols.default(80),
      rows: terminalRows.default(24),
    }),
    output: z.object({
      ticket: z.string().describe('Use it once, within 30 seconds'),
      expiresAt: isoTime().describe('When it stops working'),
      path: z.string().describe('Where to connect (ws:// or wss:// on the same host and port), without the ticket'),
      idleSeconds: z.number().describe('The terminal closes after this many seconds without input'),
    }),
    http: { method: 'POST', path: '/appliance/terminal/tickets' },
  }),
  defineContract({
    name: 'appliance.recovery.password',
    summary: "Reset a Calypso account's password (on the appliance's local console only, no login needed)",
    description:
      'Like the console menu of a storage appliance: whoever sits at the appliance’s own screen and keyboard may reset a password. Refused over the API, over SSH and from any terminal that is not one of the appliance’s virtual consoles (docs/security.md).',
    permission: PUBLIC,
    mutating: true,
    dangerous: true,
    input: z.object({
      username: passwordUsername,
      newPassword: passwordSchema,
    }),
    output: z.object({ ok: z.literal(true), text: z.string().describe('What was done, in a sentence') }),
    target: (i) => i.username,
    http: { method: 'POST', path: '/appliance/recovery/password' },
  }),
  defineContract({
    name: 'appliance.recovery.root',
    summary: "Reset the appliance's root password (on the local console only, no login needed)",
    description: 'Sets the operating system’s root password with chpasswd (the password on its standard input). Local console only, as above.',
    permission: PUBLIC,
    mutating: true,
    dangerous: true,
    input: z.object({ newPassword: rootPasswordSchema }),
    output: z.object({ ok: z.literal(true), text: z.string().describe('What was done, in a sentence') }),
    target: () => 'root',
    http: { method: 'POST', path: '/appliance/recovery/root' },
  }),
]);
