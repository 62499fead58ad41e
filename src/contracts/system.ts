/**
 * The appliance itself: what a client needs to know about the daemon it talks to, and the
 * commands the appliance ran (the console's `!`: "show me the command").
 */
import { z } from 'zod';
import { AUTHENTICATED, contractSet, defineContract, definePermissions } from './core.js';
import { MAX_PAGE_SIZE, listOf, noInput } from './list.js';
import { isoTime } from './time.js';

export const systemPermissions = definePermissions([
  { name: 'system.commands.read', description: 'See the commands the appliance ran (arguments as run, secrets masked)', level: 'read' },
]);

export const systemInfoSchema = z.object({
  product: z.literal('calypso').describe('Always "calypso"'),
  version: z.string().describe('Calypso version'),
  hostKind: z.enum(['sim', 'local']).describe('sim: the simulated appliance (no real disk is touched); local: this machine with its real tools'),
  hostname: z.string().describe('The appliance host name'),
  database: z.string().describe('Which database the daemon uses (no secrets)'),
  apiUrl: z.string().nullable().describe('The API on TCP (null: TCP is off, the Unix socket only)'),
  logFile: z.string().nullable().describe('Where the daemon logs'),
  pid: z.number().describe('The daemon process id'),
  startedAt: isoTime().describe('When the daemon started'),
});
export type SystemInfo = z.infer<typeof systemInfoSchema>;

export const commandRecordSchema = z.object({
  seq: z.number().describe('Sequence number since the daemon started (increasing)'),
  at: isoTime().describe('When it ran'),
  command: z.string().describe('The program'),
  args: z.array(z.string()).describe('Its arguments, secrets masked'),
  code: z.number().nullable().describe('Exit code (null: it did not run or was killed)'),
  durationMs: z.number().describe('How long it took'),
  error: z.string().optional().describe('Why it did not run, when it did not'),
});
export type CommandRecordOut = z.infer<typeof commandRecordSchema>;

export const systemContracts = contractSet([
  defineContract({
    name: 'system.info',
    summary: 'About this appliance and its daemon',
    permission: AUTHENTICATED,
    mutating: false,
    input: noInput,
    output: systemInfoSchema,
    http: { method: 'GET', path: '/system/info' },
  }),
  defineContract({
    name: 'system.commands.list',
    summary: 'Commands the appliance ran, newest last (the newest `limit` of them)',
    permission: 'system.commands.read',
    mutating: false,
    input: z.object({
      afterSeq: z.coerce.number().int().min(0).optional().describe('Only commands after this sequence number'),
      limit: z.coerce
        .number()
        .int()
        .min(1)
        .max(MAX_PAGE_SIZE, `at most ${MAX_PAGE_SIZE}: ask again with afterSeq for the rest`)
        .default(100)
        .describe(`At most this many, the newest (at most ${MAX_PAGE_SIZE})`),
    }),
    output: listOf(commandRecordSchema),
    http: { method: 'GET', path: '/system/commands' },
  }),
]);
