/**
 * The simulated appliance's SNMP agent: `systemctl start|restart|stop|is-active snmpd`. The
 * unit reads /etc/snmp/snmpd.conf when it starts, as the real one does: snmpd 5.9 warns about
 * tokens it does not know and carries on, but gives up when it cannot open its agentAddress,
 * and so does this one. Whether it runs, and the transport it listens on, live in a JSON file
 * on the simulated host.
 */
import { ownsUnitCommand } from './systemd.js';
import type { HostFiles, RunResult } from '../host.js';
import { fail, ok } from './common.js';

export const SNMP_SIM_STATE = '/var/lib/calypso-sim/snmpd.json';
export const SIM_SNMPD_CONF = '/etc/snmp/snmpd.conf';
const UNITS = new Set(['snmpd', 'snmpd.service']);

export interface SnmpSimState {
  running: boolean;
  agentAddress: string | null;
  warnings: string[];
}

const TRANSPORT = /^(?:udp:(?:\d{1,3}\.){3}\d{1,3}:\d{1,5}|udp6:\[[0-9A-Fa-f:.]+\]:\d{1,5})$/;
const KNOWN = new Set([
  '[snmp]',
  'agentAddress',
  'sysLocation',
  'sysContact',
  'sysServices',
  'rocommunity',
  'rocommunity6',
  'createUser',
  'rouser',
  'view',
  'master',
  'agentSecName',
]);

async function load(files: HostFiles): Promise<SnmpSimState> {
  const text = await files.readIfExists(SNMP_SIM_STATE);
  return text
    ? { running: false, agentAddress: null, warnings: [], ...(JSON.parse(text) as Partial<SnmpSimState>) }
    : { running: false, agentAddress: null, warnings: [] };
}

function start(text: string, state: SnmpSimState): boolean {
  const warnings: string[] = [];
  let address: string | null = null;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const [word, value] = line.split(/\s+/);
    if (!KNOWN.has(word!)) warnings.push(`${SIM_SNMPD_CONF}: line ${i + 1}: Warning: Unknown token: ${word}.`);
    if (word === 'agentAddress') address = value ?? '';
  });
  state.warnings = warnings;
  state.agentAddress = address ?? 'udp:0.0.0.0:161';
  return TRANSPORT.test(state.agentAddress);
}

/** Answers systemctl for the snmpd unit; null for anything else. */
export async function simulateSnmpTool(tool: string, args: string[], files: HostFiles): Promise<RunResult | null> {
  if (tool !== 'systemctl' || !ownsUnitCommand(args, UNITS)) return null;
  const state = await load(files);
  const before = JSON.stringify(state);
  const verb = args[0];
  let result: RunResult;
  if (verb === 'is-active') result = state.running ? ok('active\n') : { code: 3, stdout: 'inactive\n', stderr: '' };
  else if (verb === 'stop' || (verb === 'disable' && args.includes('--now'))) {
    state.running = false;
    result = ok();
  } else if (verb === 'start' || verb === 'restart' || (verb === 'enable' && args.includes('--now'))) {
    state.running = start((await files.readIfExists(SIM_SNMPD_CONF)) ?? '', state);
    result = state.running
      ? ok()
      : fail(
          'Job for snmpd.service failed because the control process exited with error code.\nSee "systemctl status snmpd.service" and "journalctl -xeu snmpd.service" for details.',
        );
  } else if (verb === 'enable' || verb === 'disable') result = ok();
  else result = fail(`Unknown command verb ${verb ?? ''}.`);
  if (JSON.stringify(state) !== before) await files.writeAtomic(SNMP_SIM_STATE, JSON.stringify(state));
  return result;
}

/** Whether the simulated snmpd runs (the simulated systemd shows snmpd.service from this). */
export async function simulatedSnmpdRunning(files: HostFiles): Promise<boolean> {
  return (await load(files)).running;
}
