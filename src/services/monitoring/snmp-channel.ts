/**
 * The SNMP trap channel's settings and secrets, checked before they are stored: the community
 * or passphrases must be words snmptrap's config file can hold (no spaces, quotes, '#' or line
 * breaks); a v3 channel gets an engine ID of its own when none is given.
 */
import crypto from 'node:crypto';
import type { SnmpTrapSettingsInput } from '../../contracts/monitoring.js';
import { ValidationError } from '../core/errors.js';
import { readSnmpSecrets, type SnmpSecrets, type SnmpTrapConfig } from './notify.js';

const WORD = /^[A-Za-z0-9!$%&()*+,./:;<=>?@[\]^_`{|}~][A-Za-z0-9!$%&()*+,./:;<=>?@[\]^_`{|}~-]*$/;

/** Net-SNMP's enterprise (8072), format 5 (octets), then 8 random bytes: unique per channel. */
function newEngineId(): string {
  return `0x80001F8805${crypto.randomBytes(8).toString('hex').toUpperCase()}`;
}

export function snmpTrapConfig(i: SnmpTrapSettingsInput): SnmpTrapConfig {
  if (i.version === '3' && !i.user) throw new ValidationError('an SNMPv3 channel needs a user', [{ path: 'snmp.user', message: 'required for version 3' }]);
  return {
    manager: i.manager,
    port: i.port,
    version: i.version,
    user: i.version === '3' ? i.user : null,
    authProtocol: i.authProtocol,
    privProtocol: i.privProtocol,
    engineId: i.version === '3' ? (i.engineId ?? newEngineId()) : null,
  };
}

function word(value: string, path: string, min: number): string {
  if (value.length < min || value.length > 64 || !WORD.test(value))
    throw new ValidationError(`the ${path === 'privSecret' ? 'privacy passphrase' : 'secret'} is not usable by SNMP`, [
      { path, message: `${min} to 64 printable characters without spaces, quotes, backslashes or #, not starting with a dash` },
    ]);
  return value;
}

/**
 * The secret column of an SNMP channel (JSON): `secret` is the v2c community or the v3
 * authentication passphrase, `privSecret` the v3 privacy passphrase; what is left out is kept.
 */
export function snmpChannelSecret(config: SnmpTrapConfig, stored: string | null, i: { secret?: string | null; privSecret?: string }): string {
  const old = readSnmpSecrets(stored);
  const next: SnmpSecrets = {};
  if (config.version === '2c') {
    if (i.privSecret !== undefined)
      throw new ValidationError('a v2c channel has no privacy passphrase', [{ path: 'privSecret', message: 'only for version 3' }]);
    const community = i.secret === undefined ? old.community : i.secret;
    if (!community) throw new ValidationError('an SNMP v2c channel needs its community in secret', [{ path: 'secret', message: 'the community' }]);
    next.community = word(community, 'secret', 1);
  } else {
    const auth = i.secret === undefined ? old.auth : i.secret;
    const priv = i.privSecret ?? old.priv;
    if (!auth || !priv)
      throw new ValidationError('an SNMPv3 channel needs both passphrases: secret (authentication) and privSecret (privacy)', [
        { path: auth ? 'privSecret' : 'secret', message: 'required for version 3' },
      ]);
    next.auth = word(auth, 'secret', 8);
    next.priv = word(priv, 'privSecret', 8);
  }
  return JSON.stringify(next);
}
