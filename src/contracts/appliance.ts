/**
 * The appliance's own settings (issue 15). So far: feature licenses. Reading them is
 * appliance.read (every built-in role: the About screen shows what is licensed); importing and
 * removing a license is appliance.licenses (Admin).
 */
import { z } from 'zod';
import { contractSet, defineContract, definePermissions } from './core.js';
import { FEATURES } from '../vocabulary/license.js';
import { isoTime } from './time.js';

export const appliancePermissions = definePermissions([
  { name: 'appliance.read', description: 'See the appliance settings and its licenses', level: 'read' },
  { name: 'appliance.licenses', description: 'Import and remove feature licenses', level: 'admin' },
]);

export const FEATURE_STATES = ['licensed', 'trial', 'grace', 'expired', 'unlicensed'] as const;

export const featureStatusSchema = z.object({
  feature: z.enum(FEATURES).describe('The feature'),
  name: z.string().describe('The feature in words'),
  state: z
    .enum(FEATURE_STATES)
    .describe('licensed or trial: works; grace: expired, works for a few days more; expired or unlicensed: its operations are refused (403)'),
  endsAt: isoTime().nullable().describe('When the license or trial ends (in grace: when the grace ends)'),
  licenseId: z.string().nullable().describe('The license that grants it (null for the trial)'),
  capacity: z.object({ unit: z.string(), amount: z.number() }).nullable().describe('What the license allows of it, when bounded'),
  text: z.string().describe('The state in a sentence, with what to do'),
});
export type FeatureStatus = z.infer<typeof featureStatusSchema>;

export const licenseSchema = z.object({
  id: z.string().describe('License id'),
  licensee: z.string().describe('Who it was issued to'),
  issuedAt: isoTime().describe('When it was issued'),
  graceDays: z.number().describe('Days a feature keeps working after it expired'),
  features: z
    .array(z.object({ feature: z.enum(FEATURES), capacity: z.object({ unit: z.string(), amount: z.number() }).nullable(), expiresAt: isoTime() }))
    .describe('What it grants, each until when'),
  importedAt: isoTime().describe('When it was imported'),
  importedBy: z.string().describe('Who imported it'),
});

const licenseId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dots and dashes')
  .refine((v) => !v.startsWith('-'), 'may not start with a dash')
  .describe('License id');

export const applianceContracts = contractSet([
  defineContract({
    name: 'appliance.licenses.list',
    summary: 'Feature licenses: what each feature may do and until when, and the imported license files',
    permission: 'appliance.read',
    mutating: false,
    input: z.object({}),
    output: z.object({
      features: z.array(featureStatusSchema).describe('Every licensable feature, licensed or not'),
      licenses: z.array(licenseSchema).describe('Imported licenses'),
      trialEndsAt: isoTime().nullable().describe('When the trial that every fresh install gets ends (null: no trial)'),
    }),
    http: { method: 'GET', path: '/appliance/licenses' },
  }),
  defineContract({
    name: 'appliance.licenses.import',
    summary: 'Import a license file (its one line of text)',
    permission: 'appliance.licenses',
    mutating: true,
    input: z.object({
      text: z
        .string()
        .min(1)
        .max(16 * 1024)
        .describe('The license file: one line, calypso-license-1.<payload>.<signature>'),
    }),
    output: licenseSchema,
    http: { method: 'POST', path: '/appliance/licenses' },
  }),
  defineContract({
    name: 'appliance.licenses.remove',
    summary: 'Remove a license (its features stop working unless another license or the trial grants them)',
    permission: 'appliance.licenses',
    mutating: true,
    dangerous: true,
    input: z.object({ id: licenseId }),
    output: z.object({ ok: z.literal(true) }),
    target: (i) => i.id,
    http: { method: 'DELETE', path: '/appliance/licenses/:id' },
  }),
]);
