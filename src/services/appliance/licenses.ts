/**
 * Feature licenses: which licensable features work now, and the gate every call of a
 * feature's operations passes (from any face and from the scheduler, as the system too).
 *
 * A fresh install gets a trial of every feature (TRIAL_DAYS from the first start), so the quick
 * start shows everything. A license grants features until their expiry, then a grace period with
 * a warning; after it, the feature's operations answer 403 naming the license they need.
 * Capacities are shown, not enforced yet.
 */
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { FeatureStatus } from '../../contracts/appliance.js';
import { FEATURES, FEATURE_NAMES, LicenseProblem, VENDOR_PUBLIC_KEY_PEM, readLicense, type Feature, type License } from '../../vocabulary/license.js';
import { Conflict, Forbidden, NotFound, ValidationError } from '../core/errors.js';

export const TRIAL_DAYS = 60;
const DAY_MS = 86_400_000;
const TRIAL_KEY = 'licenses.trial';

/** Operation name prefixes of each licensable feature. */
const GATED: [string, Feature][] = [
  ['tape.', 'tape'],
  ['vtl.', 'vtl'],
  ['replication.', 'replication'],
  ['objects.', 'objectstore'],
  ['backup.', 'backup'],
];

export function featureOf(operation: string): Feature | null {
  return GATED.find(([prefix]) => operation.startsWith(prefix))?.[1] ?? null;
}

/** 403: the operation belongs to a feature that no license (nor the trial) grants now. */
export class LicenseRequired extends Forbidden {
  constructor(
    readonly feature: Feature,
    reason: string,
  ) {
    super(`${FEATURE_NAMES[feature]} needs a license for the feature "${feature}": ${reason}. Import one under System (appliance.licenses.import).`);
  }
}

export interface LicenseOptions {
  /** Keys whose signatures are accepted (default: the vendor's built-in key). Tests use their own. */
  publicKeys?: crypto.KeyObject[];
  now?: () => number;
}

export interface StoredLicense extends License {
  importedAt: string;
  importedBy: string;
}

interface State {
  licenses: StoredLicense[];
  trialStartedAt: number | null;
}

const iso = (ms: number) => new Date(ms).toISOString();
/** A day in a sentence ("2027-01-29"); the exact times are in the answer's fields. */
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export class LicenseBook {
  private readonly keys: crypto.KeyObject[];
  private readonly now: () => number;
  private state: Promise<State> | null = null;

  constructor(
    private readonly db: Knex,
    opts: LicenseOptions = {},
  ) {
    this.keys = opts.publicKeys ?? [crypto.createPublicKey(VENDOR_PUBLIC_KEY_PEM)];
    this.now = opts.now ?? Date.now;
  }

  private load(): Promise<State> {
    this.state ??= (async () => {
      // The trial starts at the first start of this database; a second process racing it keeps the first.
      await this.db('settings')
        .insert({ key: TRIAL_KEY, value: JSON.stringify({ startedAt: iso(this.now()) }), updated_at: iso(this.now()) })
        .onConflict('key')
        .ignore();
      const trial = await this.db('settings').where({ key: TRIAL_KEY }).first();
      const rows: { id: string; text: string; imported_at: string; imported_by: string }[] = await this.db('licenses').orderBy('imported_at');
      const licenses: StoredLicense[] = [];
      for (const row of rows) {
        // A stored license that no longer verifies (the key changed) grants nothing.
        try {
          licenses.push({ ...readLicense(row.text, this.keys), importedAt: row.imported_at, importedBy: row.imported_by });
        } catch {
          continue;
        }
      }
      const startedAt = trial ? Date.parse((JSON.parse(trial.value) as { startedAt: string }).startedAt) : NaN;
      return { licenses, trialStartedAt: Number.isNaN(startedAt) ? null : startedAt };
    })();
    this.state.catch(() => (this.state = null));
    return this.state;
  }

  async trialEndsAt(): Promise<string | null> {
    const { trialStartedAt } = await this.load();
    return trialStartedAt === null ? null : iso(trialStartedAt + TRIAL_DAYS * DAY_MS);
  }

  async licenses(): Promise<StoredLicense[]> {
    return (await this.load()).licenses;
  }

  /** Every feature's state now. */
  async status(): Promise<FeatureStatus[]> {
    const state = await this.load();
    return FEATURES.map((f) => this.featureStatus(state, f));
  }

  private featureStatus(state: State, feature: Feature): FeatureStatus {
    const now = this.now();
    const name = FEATURE_NAMES[feature];
    const grants = state.licenses
      .flatMap((l) => l.features.filter((f) => f.feature === feature).map((f) => ({ license: l, grant: f, ends: Date.parse(f.expiresAt) })))
      .sort((a, b) => b.ends - a.ends);
    const best = grants[0];
    const base = { feature, name, capacity: best?.grant.capacity ?? null, licenseId: best?.license.id ?? null };
    if (best && now <= best.ends)
      return { ...base, state: 'licensed', endsAt: iso(best.ends), text: `licensed to ${best.license.licensee} until ${day(best.ends)}` };
    const trialEnds = state.trialStartedAt === null ? null : state.trialStartedAt + TRIAL_DAYS * DAY_MS;
    if (best) {
      const graceEnds = best.ends + best.license.graceDays * DAY_MS;
      if (now <= graceEnds)
        return {
          ...base,
          state: 'grace',
          endsAt: iso(graceEnds),
          text: `the license expired on ${day(best.ends)}; it keeps working until ${day(graceEnds)}: import a renewed license`,
        };
    }
    if (trialEnds !== null && now <= trialEnds)
      return {
        ...base,
        capacity: null,
        licenseId: null,
        state: 'trial',
        endsAt: iso(trialEnds),
        text: `trial until ${day(trialEnds)}: import a license to keep it`,
      };
    if (best) return { ...base, state: 'expired', endsAt: null, text: `the license ${best.license.id} expired on ${day(best.ends)}` };
    return {
      ...base,
      state: 'unlicensed',
      endsAt: null,
      text: trialEnds === null ? 'no license grants it' : `the trial ended on ${day(trialEnds)} and no license grants it`,
    };
  }

  /** Throws LicenseRequired when the operation belongs to a feature that does not work now. */
  async check(operation: string): Promise<void> {
    const feature = featureOf(operation);
    if (!feature) return;
    const s = this.featureStatus(await this.load(), feature);
    if (s.state === 'expired' || s.state === 'unlicensed') throw new LicenseRequired(feature, s.text);
  }

  async import(text: string, by: string): Promise<StoredLicense> {
    let license: License;
    try {
      license = readLicense(text, this.keys);
    } catch (err) {
      if (err instanceof LicenseProblem) throw new ValidationError(err.message, [{ path: 'text', message: err.message }]);
      throw err;
    }
    const now = this.now();
    const usable = license.features.filter((f) => now <= Date.parse(f.expiresAt) + license.graceDays * DAY_MS);
    if (!usable.length)
      throw new ValidationError(`license ${license.id} has expired (${license.features.map((f) => `${f.feature} on ${f.expiresAt}`).join(', ')})`, [
        { path: 'text', message: 'expired' },
      ]);
    if (await this.db('licenses').where({ id: license.id }).first()) throw new Conflict(`license ${license.id} is already imported`);
    const importedAt = iso(now);
    await this.db('licenses').insert({ id: license.id, text: text.trim(), imported_at: importedAt, imported_by: by });
    this.state = null;
    return { ...license, importedAt, importedBy: by };
  }

  /** Read the licenses again at the next question (a configuration restore replaced them). */
  forget(): void {
    this.state = null;
  }

  async remove(id: string): Promise<void> {
    const n = await this.db('licenses').where({ id }).delete();
    if (!n) throw new NotFound(`no license ${id}`);
    this.state = null;
  }
}
