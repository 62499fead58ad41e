/**
 * Configuration drift: every applied configuration (smb.conf, the exports file, iSCSI) has a
 * pair of operations, one comparing the live configuration with what Calypso would write, one
 * repairing it by adopting the live one or overwriting it.
 */
import { z } from 'zod';
import { defineContract } from './core.js';
import { noInput } from './list.js';

export const driftSchema = z.object({
  inSync: z.boolean().describe('The live configuration is exactly what Calypso would render'),
  file: z.string().nullable().describe('The configuration file compared (null for tgt, which has none)'),
  missing: z.boolean().describe('The live configuration file does not exist'),
  changes: z.array(z.string()).describe('Differences: "- line" Calypso would write, "+ line" found live (secrets redacted)'),
});
export type Drift = z.infer<typeof driftSchema>;

export const driftAction = z
  .enum(['adopt', 'overwrite'])
  .describe('adopt: take the live configuration into the database; overwrite: write what the database says');
export type DriftAction = z.infer<typeof driftAction>;

export interface DriftContractSpec<N extends string> {
  /** Operation name prefix: `<name>` compares, `<name>.resolve` repairs. */
  name: N;
  /** Route of both: GET compares, POST repairs. */
  path: string;
  readPermission: string;
  adminPermission: string;
  summary: string;
  resolveSummary: string;
  actionDescription?: string;
  ignoredDescription: string;
}

/** The drift pair of one applied configuration: `<name>` (compare) and `<name>.resolve` (adopt or overwrite). */
export function driftContracts<const N extends string>(spec: DriftContractSpec<N>) {
  return [
    defineContract({
      name: spec.name,
      summary: spec.summary,
      permission: spec.readPermission,
      mutating: false,
      input: noInput,
      output: driftSchema,
      http: { method: 'GET', path: spec.path },
    }),
    defineContract({
      name: `${spec.name}.resolve` as `${N}.resolve`,
      summary: spec.resolveSummary,
      permission: spec.adminPermission,
      mutating: true,
      input: z.object({ action: spec.actionDescription ? driftAction.describe(spec.actionDescription) : driftAction }),
      output: driftSchema.extend({ ignored: z.array(z.string()).describe(spec.ignoredDescription) }),
      http: { method: 'POST', path: spec.path },
    }),
  ] as const;
}
