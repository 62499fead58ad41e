/**
 * The appliance's date, time zone and NTP (chrony). Reading them is appliance.read; changing the
 * zone, the NTP sources or who may sync from the appliance is appliance.time (Admin): an
 * Operator must not point the clock, which every log, schedule and certificate trusts, at a
 * server of their choosing, nor open the NTP service to networks.
 */
import net from 'node:net';
import { z } from 'zod';
import { contractSet, defineContract, definePermissions } from './core.js';
import { isoTime } from './time.js';

export const timePermissions = definePermissions([
  { name: 'appliance.time', description: 'Change the time zone, the NTP servers and which networks may sync from the appliance', level: 'admin' },
]);

/** chrony's poll range: log2 of seconds. */
export const MIN_POLL = -6;
export const MAX_POLL = 24;

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** A host name (letters, digits, dashes between dots) or an IPv4/IPv6 address: nothing else reaches chrony.conf. */
export const ntpHost = z
  .string()
  .min(1)
  .max(253)
  .refine(
    (v) => net.isIP(v) !== 0 || HOST_NAME.test(v),
    'a host name (letters, digits, dashes and dots) or an IP address, without spaces, quotes or line breaks',
  );

/** An IPv4 or IPv6 network in CIDR form (an address alone means that one host). */
export const cidrNetwork = z
  .string()
  .min(2)
  .max(50)
  .refine((v) => {
    const [addr, prefix, more] = v.split('/');
    if (more !== undefined || !addr) return false;
    const family = net.isIP(addr);
    if (!family) return false;
    if (prefix === undefined) return true;
    if (!/^\d{1,3}$/.test(prefix)) return false;
    return Number(prefix) <= (family === 4 ? 32 : 128);
  }, 'an IPv4 or IPv6 network such as 192.168.1.0/24 or fd00::/64')
  .meta({ examples: ['192.168.1.0/24'] });

export const ntpServerSchema = z.object({
  host: ntpHost.describe('NTP server or pool: host name or IP address'),
  kind: z.enum(['server', 'pool']).default('server').describe('server: one machine; pool: a name that resolves to several'),
  iburst: z.boolean().default(true).describe('Send a burst of requests at start, for a faster first sync'),
  prefer: z.boolean().default(false).describe('Prefer this source over the others of the same quality'),
  port: z.number().int().min(1).max(65535).nullable().default(null).describe('UDP port of the server (null: 123)'),
  minpoll: z
    .number()
    .int()
    .min(MIN_POLL)
    .max(MAX_POLL)
    .nullable()
    .default(null)
    .describe('Shortest poll interval as log2 seconds (6 = 64 s; null: chrony default)'),
  maxpoll: z
    .number()
    .int()
    .min(MIN_POLL)
    .max(MAX_POLL)
    .nullable()
    .default(null)
    .describe('Longest poll interval as log2 seconds (10 = 1024 s; null: chrony default)'),
});
export type NtpServer = z.infer<typeof ntpServerSchema>;

const ntpSettings = z.object({
  servers: z.array(ntpServerSchema).describe('NTP servers and pools, in order'),
  allowClients: z.array(z.string()).describe('Networks whose machines may sync their clocks from the appliance (empty: none)'),
});

const timeZone = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/, 'an IANA time zone name such as Europe/Paris or UTC')
  .refine((zone) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, 'a time zone this system knows (IANA name, e.g. Europe/Paris)');

const sourceStatus = z.object({
  mode: z.enum(['server', 'peer', 'refclock']).describe('What the source is to chrony'),
  state: z
    .enum(['synced', 'combined', 'not-combined', 'unreachable', 'falseticker', 'too-variable'])
    .describe('synced: the clock follows it; combined: used with it; unreachable: no answer; falseticker: disagrees with the others'),
  address: z.string().describe('Address of the source'),
  stratum: z.number().describe('Its distance from a reference clock (0: unknown)'),
  pollSeconds: z.number().describe('Poll interval in seconds'),
  reach: z.string().describe('Reach register (octal; 377: the last eight polls answered)'),
  lastRxSeconds: z.number().nullable().describe('Seconds since its last answer (null: never answered)'),
  offsetSeconds: z.number().describe('Offset of the last sample (positive: the source is ahead)'),
  errorSeconds: z.number().describe('Error bound of the last sample'),
});

export const ntpStatusSchema = z.object({
  synchronised: z.boolean().describe('The clock follows an NTP source'),
  leapStatus: z.string().describe('chrony leap status: Normal, Insert second, Delete second or Not synchronised'),
  stratum: z.number().describe('The appliance stratum (0: not synchronised)'),
  reference: z.string().describe('The source the clock follows (empty: none)'),
  referenceId: z.string().describe('chrony reference ID in hex'),
  systemTimeOffsetSeconds: z.number().describe('How far the system clock is from NTP time (positive: ahead)'),
  lastOffsetSeconds: z.number().describe('Offset at the last clock update'),
  rmsOffsetSeconds: z.number().describe('Long-term average offset'),
  frequencyPpm: z.number().describe('Rate error of the system clock the daemon corrects (ppm)'),
  rootDelaySeconds: z.number().describe('Network delay to the stratum-1 reference'),
  rootDispersionSeconds: z.number().describe('Accumulated error bound to the reference'),
  updateIntervalSeconds: z.number().describe('Interval between the last two clock updates'),
  lastUpdateAt: isoTime().nullable().describe('When the last good measurement was taken (null: never)'),
  sources: z.array(sourceStatus).describe('Every source and its state'),
});
export type NtpStatus = z.infer<typeof ntpStatusSchema>;

export const timeContracts = contractSet([
  defineContract({
    name: 'appliance.time.get',
    summary: 'Time zone, current time and NTP settings of the appliance',
    permission: 'appliance.read',
    mutating: false,
    input: z.object({}),
    output: z.object({
      zone: z.string().describe('IANA time zone of the appliance'),
      hostTimeAt: isoTime().describe('The appliance clock now'),
      ntp: ntpSettings.describe('NTP sources and clients (desired state)'),
    }),
    http: { method: 'GET', path: '/appliance/time' },
  }),
  defineContract({
    name: 'appliance.time.update',
    summary: 'Set the time zone of the appliance',
    permission: 'appliance.time',
    mutating: true,
    input: z.object({ zone: timeZone.describe('IANA time zone name, e.g. Europe/Paris or UTC') }),
    output: z.object({ zone: z.string().describe('The time zone now set') }),
    target: (i) => i.zone,
    http: { method: 'PUT', path: '/appliance/time' },
  }),
  defineContract({
    name: 'appliance.ntp.update',
    summary: 'Set the NTP servers and pools and who may sync from the appliance; rendered to chrony.conf and applied',
    permission: 'appliance.time',
    mutating: true,
    input: z.object({
      servers: z.array(ntpServerSchema).max(20).describe('NTP servers and pools, in order (empty: the clock runs free)'),
      allowClients: z
        .array(cidrNetwork)
        .max(50)
        .default([])
        .describe('Networks whose machines may sync from the appliance (CIDR); empty: the appliance serves no NTP clients'),
    }),
    output: ntpSettings,
    http: { method: 'PUT', path: '/appliance/ntp' },
  }),
  defineContract({
    name: 'appliance.ntp.status',
    summary: 'NTP synchronisation: state, stratum, offset, reference and each source (chronyc tracking and sources)',
    permission: 'appliance.read',
    mutating: false,
    input: z.object({}),
    output: ntpStatusSchema,
    http: { method: 'GET', path: '/appliance/ntp/status' },
  }),
]);
