/**
 * The appliance's SNMP agent (Net-SNMP snmpd). Reading its settings is appliance.read and never
 * shows a secret (a community string or a v3 passphrase): outputs say only that one is set.
 * Changing them is appliance.snmp (Admin): an Operator must not open a community to a network,
 * add a user or learn a secret.
 */
import { z } from 'zod';
import { contractSet, defineContract, definePermissions } from './core.js';
import { cidrNetwork } from './appliance-time.js';
import net from 'node:net';

export const snmpPermissions = definePermissions([
  { name: 'appliance.snmp', description: 'Change the SNMP agent: communities, source networks, v3 users and their secrets', level: 'admin' },
]);

/** A community, user name or passphrase: printable ASCII, no spaces, quotes, backslashes or '#', not starting with '-'. */
const SNMP_WORD = /^[A-Za-z0-9!$%&()*+,./:;<=>?@[\]^_`{|}~][A-Za-z0-9!$%&()*+,./:;<=>?@[\]^_`{|}~-]*$/;
const SNMP_WORD_MESSAGE = 'printable characters without spaces, quotes, backslashes or #, not starting with a dash';

export const snmpWord = (min: number, max: number) => z.string().min(min).max(max).regex(SNMP_WORD, SNMP_WORD_MESSAGE);

/** sysLocation / sysContact: one line of printable ASCII without quotes or backslashes, no leading dash, no surrounding spaces. */
const snmpText = z
  .string()
  .max(255)
  .regex(/^[ !#-[\]-~]*$/, 'printable text on one line, without quotes or backslashes')
  .refine((v) => !v.startsWith('-') && v.trim() === v, 'may not start with a dash nor start or end with a space');

const sourceNetwork = cidrNetwork
  .refine((v) => !/^(0\.0\.0\.0|::)\/0$/.test(v), 'name the networks that may read (not every address)')
  .meta({ examples: ['10.1.0.0/16'] });

export const SNMP_AUTH_PROTOCOLS = ['SHA', 'SHA-256'] as const;

const communityOut = z.object({
  name: z.string().describe('Label of the community (not the secret)'),
  sources: z.array(z.string()).describe('Networks allowed to read with it'),
  secretSet: z.boolean().describe('The community string is stored (never shown)'),
});

const userOut = z.object({
  name: z.string().describe('v3 user name'),
  authProtocol: z.enum(SNMP_AUTH_PROTOCOLS).describe('Authentication protocol'),
  privProtocol: z.literal('AES').describe('Privacy protocol'),
  secretsSet: z.boolean().describe('Both passphrases are stored (never shown)'),
});

export const snmpSettingsSchema = z.object({
  enabled: z.boolean().describe('The agent runs'),
  listenAddress: z.string().describe('Address the agent listens on'),
  port: z.number().describe('UDP port'),
  location: z.string().describe('sysLocation'),
  contact: z.string().describe('sysContact'),
  communities: z.array(communityOut).describe('v2c read-only communities'),
  users: z.array(userOut).describe('v3 users (authPriv)'),
});
export type SnmpSettings = z.infer<typeof snmpSettingsSchema>;

const label = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, dots, dashes and underscores, starting with a letter or digit');

const communityIn = z.object({
  name: label.describe('Label of the community (shown; the secret is not)'),
  secret: snmpWord(6, 64).optional().describe('The community string (write-only); required for a new label, left out: keep the stored one'),
  sources: z.array(sourceNetwork).min(1).max(20).describe('Networks allowed to read with it (CIDR)'),
});

const userIn = z.object({
  name: snmpWord(1, 32).describe('v3 user name'),
  authProtocol: z.enum(SNMP_AUTH_PROTOCOLS).default('SHA-256').describe('Authentication protocol'),
  privProtocol: z.literal('AES').default('AES').describe('Privacy protocol (AES-128)'),
  authSecret: snmpWord(8, 64).optional().describe('Authentication passphrase (write-only; required for a new user)'),
  privSecret: snmpWord(8, 64).optional().describe('Privacy passphrase (write-only; required for a new user)'),
});

export const snmpContracts = contractSet([
  defineContract({
    name: 'appliance.snmp.get',
    summary: 'SNMP agent settings (secrets never shown)',
    permission: 'appliance.read',
    mutating: false,
    input: z.object({}),
    output: snmpSettingsSchema,
    http: { method: 'GET', path: '/appliance/snmp' },
  }),
  defineContract({
    name: 'appliance.snmp.update',
    summary: 'Change the SNMP agent; rendered to snmpd.conf and applied. Lists replace the stored ones; a secret left out keeps the stored one',
    permission: 'appliance.snmp',
    mutating: true,
    input: z.object({
      enabled: z.boolean().optional().describe('Run the agent'),
      listenAddress: z
        .string()
        .max(45)
        .refine((v) => net.isIP(v) !== 0, 'an IPv4 or IPv6 address (0.0.0.0: every address)')
        .optional()
        .describe('Address to listen on'),
      port: z.number().int().min(1).max(65535).optional().describe('UDP port (161)'),
      location: snmpText.optional().describe('sysLocation: where the appliance is'),
      contact: snmpText.optional().describe('sysContact: who to call'),
      communities: z.array(communityIn).max(20).optional().describe('v2c read-only communities (replaces the list)'),
      users: z.array(userIn).max(20).optional().describe('v3 users, authPriv only (replaces the list)'),
    }),
    output: snmpSettingsSchema,
    http: { method: 'PUT', path: '/appliance/snmp' },
  }),
  defineContract({
    name: 'appliance.snmp.communities.set',
    summary: 'Add a v2c community or change its networks (or its secret); applied at once',
    permission: 'appliance.snmp',
    mutating: true,
    input: communityIn,
    output: snmpSettingsSchema,
    target: (i) => i.name,
    http: { method: 'PUT', path: '/appliance/snmp/communities/:name' },
  }),
  defineContract({
    name: 'appliance.snmp.communities.remove',
    summary: 'Remove a v2c community; applied at once',
    permission: 'appliance.snmp',
    mutating: true,
    input: z.object({ name: label.describe('Label of the community') }),
    output: snmpSettingsSchema,
    target: (i) => i.name,
    http: { method: 'DELETE', path: '/appliance/snmp/communities/:name' },
  }),
  defineContract({
    name: 'appliance.snmp.users.set',
    summary: 'Add an SNMPv3 user (authPriv) or change its protocol or passphrases; applied at once',
    permission: 'appliance.snmp',
    mutating: true,
    input: userIn,
    output: snmpSettingsSchema,
    target: (i) => i.name,
    http: { method: 'PUT', path: '/appliance/snmp/users/:name' },
  }),
  defineContract({
    name: 'appliance.snmp.users.remove',
    summary: 'Remove an SNMPv3 user; applied at once',
    permission: 'appliance.snmp',
    mutating: true,
    input: z.object({ name: snmpWord(1, 32).describe('v3 user name') }),
    output: snmpSettingsSchema,
    target: (i) => i.name,
    http: { method: 'DELETE', path: '/appliance/snmp/users/:name' },
  }),
]);
