/**
 * The simulated appliance refuses the arguments the real tools refuse, in their words and with their exit codes
 * (src/system/sim/grammar/). Each refusal below was captured from the real tool: smartctl 7.3, lsblk (util-linux 2.38),
 * exportfs (nfs-utils 2.6), testparm and smbcontrol (Samba 4.17), tgtadm (tgt 1.0.85), all from Debian 12. Where the tool
 * runs here, the same vectors go to it too and the answers must be the same (skipped, saying so, where a tool is missing
 * or not root; failing instead under CALYPSO_REQUIRE_PEERS=1).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, test } from '@jest/globals';
import { grammarRefusal, GRAMMAR_TOOLS } from '../../src/system/sim/grammar/index.js';
import { SimulatedHost } from '../../src/system/sim/simulated-host.js';
import { HostCommandError } from '../../src/system/host.js';
import { peersAvailable } from '../shares/helpers.js';

interface Vector {
  tool: string;
  args: string[];
  code: number;
  /** The text the tool prints (stderr, or stdout where `stdout` says so). */
  text: string;
  stdout?: boolean;
}

const LSBLK_TRY = "Try 'lsblk --help' for more information.\n";
const EXPORTFS_USAGE = 'usage: exportfs [-adfhioruvs] [host:/path]\n';
const TGT_TRY = "Try `tgtadm --help' for more information.\n";
const SMART_HINT = '\n\nUse smartctl -h to get a usage summary\n\n';
/** smbcontrol's message types are checked before anything is sent: a process id that does not exist is destination enough. */
const NO_PID = '999999';
const SG_LOGS_USAGE = `Usage: sg_logs [-All] [--all] [--brief] [--control=PC] [--enumerate]\n`;
const TAPEINFO_USAGE = 'Usage: tapeinfo -f <generic-device>\n';

const REFUSED: Vector[] = [
  { tool: 'lsblk', args: ['--bogus'], code: 1, text: `lsblk: unrecognized option '--bogus'\n${LSBLK_TRY}` },
  { tool: 'lsblk', args: ['-J', '-Z'], code: 1, text: `lsblk: invalid option -- 'Z'\n${LSBLK_TRY}` },
  { tool: 'lsblk', args: ['-o'], code: 1, text: `lsblk: option requires an argument -- 'o'\n${LSBLK_TRY}` },
  { tool: 'exportfs', args: ['-Z'], code: 1, text: `exportfs: invalid option -- 'Z'\n${EXPORTFS_USAGE}` },
  { tool: 'exportfs', args: ['--bogus'], code: 1, text: `exportfs: invalid option -- '-'\n${EXPORTFS_USAGE}` },
  { tool: 'exportfs', args: ['-o'], code: 1, text: `exportfs: option requires an argument -- 'o'\n${EXPORTFS_USAGE}` },
  { tool: 'tgtadm', args: ['--bogus'], code: 22, text: `tgtadm: unrecognized option '--bogus'\n${TGT_TRY}` },
  { tool: 'tgtadm', args: ['-Z'], code: 22, text: `tgtadm: invalid option -- 'Z'\n${TGT_TRY}` },
  { tool: 'tgtadm', args: ['--lld', 'iscsi', '--mode', 'target', '--op', 'bogus'], code: 1, text: 'tgtadm: unknown operation: bogus\n' },
  { tool: 'tgtadm', args: ['--lld', 'iscsi', '--mode', 'bogus', '--op', 'show'], code: 1, text: 'tgtadm: unknown mode: bogus\n' },
  { tool: 'tgtadm', args: ['--lld', 'iscsi', '--op', 'show'], code: 22, text: 'tgtadm: specify the mode\n' },
  { tool: 'tgtadm', args: ['--lld', 'iscsi', '--mode', 'target'], code: 22, text: 'tgtadm: specify the operation type\n' },
  {
    tool: 'tgtadm',
    args: ['--lld', 'iscsi', '--mode', 'target', '--op', 'show', '--tid'],
    code: 22,
    text: `tgtadm: option '--tid' requires an argument\n${TGT_TRY}`,
  },
  {
    tool: 'tgtadm',
    args: ['--lld', 'iscsi', '--mode', 'target', '--op', 'new', '--tid', '1'],
    code: 22,
    text: 'tgtadm: creating new target requires a name, use --targetname\n',
  },
  { tool: 'tgtadm', args: ['--lld', 'iscsi', '--mode', 'target', '--op', 'show', 'extra'], code: 22, text: `tgtadm: unrecognized option 'extra'\n${TGT_TRY}` },
  { tool: 'testparm', args: ['-s', 'a', 'b'], code: 1, stdout: true, text: 'ERROR: You must specify both a machine name and an IP address.\n' },
  { tool: 'smartctl', args: ['--bogus', '/dev/null'], code: 1, stdout: true, text: `=======> UNRECOGNIZED OPTION: bogus${SMART_HINT}` },
  { tool: 'smartctl', args: ['-Z', '/dev/null'], code: 1, stdout: true, text: `=======> UNRECOGNIZED OPTION: Z${SMART_HINT}` },
  { tool: 'smartctl', args: ['-a'], code: 1, stdout: true, text: `ERROR: smartctl requires a device name as the final command-line argument.\n${SMART_HINT}` },
  {
    tool: 'smartctl',
    args: ['-a', '/dev/a', '/dev/b'],
    code: 1,
    stdout: true,
    text: `ERROR: smartctl takes ONE device name as the final command-line argument.\nYou have provided 2 device names:\n/dev/a\n/dev/b${SMART_HINT}`,
  },
  {
    tool: 'smartctl',
    args: ['-t', 'wrong', '/dev/null'],
    code: 1,
    stdout: true,
    text: `=======> INVALID ARGUMENT TO -t: wrong\n=======> VALID ARGUMENTS ARE: offline, short, long, conveyance, force, vendor,N, select,M-N, pending,N, afterselect,[on|off] <=======${SMART_HINT}`,
  },
  {
    tool: 'smartctl',
    args: ['/dev/null', '-t'],
    code: 1,
    stdout: true,
    text: `=======> ARGUMENT REQUIRED FOR OPTION: t\n=======> VALID ARGUMENTS ARE: offline, short, long, conveyance, force, vendor,N, select,M-N, pending,N, afterselect,[on|off] <=======${SMART_HINT}`,
  },
  {
    tool: 'smartctl',
    args: ['-H', '-q', 'bogus', '/dev/null'],
    code: 1,
    stdout: true,
    text: `=======> INVALID ARGUMENT TO -q: bogus\n=======> VALID ARGUMENTS ARE: errorsonly, silent, noserial <=======${SMART_HINT}`,
  },
  { tool: 'tapeinfo', args: [], code: 1, text: TAPEINFO_USAGE },
  { tool: 'tapeinfo', args: ['-f'], code: 1, text: TAPEINFO_USAGE },
  { tool: 'tapeinfo', args: ['-f/dev/sg1'], code: 1, text: TAPEINFO_USAGE },
  { tool: 'tapeinfo', args: ['-f', '/dev/sg1', 'extra'], code: 1, text: TAPEINFO_USAGE },
  { tool: 'tapeinfo', args: ['--bogus'], code: 1, text: TAPEINFO_USAGE },
  {
    tool: 'sg_logs',
    args: ['--page=zz', '/dev/sg1'],
    code: 1,
    text: "bad argument to '--page=' no acronyn match to 'zz'\n  Try using '-e' or'-ee' to see available acronyns\nsg_logs failed: Syntax error\n",
  },
  { tool: 'systemctl', args: ['bogus'], code: 1, text: 'Unknown command verb bogus.\n' },
  { tool: 'systemctl', args: ['--bogus', 'status'], code: 1, text: "systemctl: unrecognized option '--bogus'\n" },
  { tool: 'systemctl', args: ['--kill-mode=x', 'status'], code: 1, text: "systemctl: unrecognized option '--kill-mode=x'\n" },
  { tool: 'systemctl', args: ['-Z', 'status'], code: 1, text: "systemctl: invalid option -- 'Z'\n" },
  { tool: 'systemctl', args: ['restart'], code: 1, text: 'Too few arguments.\n' },
  { tool: 'systemctl', args: ['is-active', '--'], code: 1, text: 'Too few arguments.\n' },
  { tool: 'systemctl', args: ['--no-pager', 'enable'], code: 1, text: 'Too few arguments.\n' },
  { tool: 'systemctl', args: ['daemon-reload', 'extra'], code: 1, text: 'Too many arguments.\n' },
  { tool: 'systemctl', args: ['set-default', 'a.target', 'b.target'], code: 1, text: 'Too many arguments.\n' },
  { tool: 'systemctl', args: ['show', '--no-pager', '-p'], code: 1, text: "systemctl: option requires an argument -- 'p'\n" },
  { tool: 'systemctl', args: ['show', '--property'], code: 1, text: "systemctl: option '--property' requires an argument\n" },
  { tool: 'smbcontrol', args: [NO_PID, 'bogus'], code: 1, text: "smbcontrol: unknown command 'bogus'\n" },
  { tool: 'smbcontrol', args: ['-s', '/etc/samba/smb.conf', NO_PID, 'ping', 'extra'], code: 1, text: 'Usage: smbcontrol <dest> ping\n' },
  { tool: 'smbcontrol', args: [NO_PID, 'reload-config', 'extra'], code: 1, text: 'Usage: smbcontrol <dest> reload-config\n' },
  { tool: 'smbcontrol', args: [NO_PID, 'close-share'], code: 1, text: 'Usage: smbcontrol <dest> close-share <sharename>\n' },
  { tool: 'smbcontrol', args: [NO_PID, 'debug', '3', '4'], code: 1, text: 'Usage: smbcontrol <dest> debug <debug-string>\n' },
  { tool: 'smbcontrol', args: [NO_PID, 'nodestatus'], code: 1, text: 'Usage: smbcontrol nmbd nodestatus <ip>\n' },
  { tool: 'smbcontrol', args: [NO_PID, 'profile', 'loud'], code: 1, text: "Unknown profile command 'loud'\n" },
  { tool: 'smbcontrol', args: [NO_PID, 'kill-client-ip', '10.0.0.300'], code: 1, text: '10.0.0.300 is not a valid IP address!\n' },
];

/** smartctl's banner names the machine's kernel: compared without it. */
const withoutBanner = (text: string) => text.replace(/^smartctl \d.*\nCopyright.*\n\n/, '').replace(/"platform_info": ?"[^"]*"/, '"platform_info": "-"');

function shown(v: Vector, r: { code: number; stdout: string; stderr: string }) {
  return { code: r.code, text: withoutBanner(v.stdout ? r.stdout : r.stderr) };
}

async function simulated(tool: string, args: string[]) {
  try {
    return { ...(await new SimulatedHost().run(tool, args)), code: 0 };
  } catch (err) {
    if (!(err instanceof HostCommandError)) throw err;
    const r = grammarRefusal(tool, args) ?? { code: err.code ?? -1, stdout: '', stderr: err.stderr ?? '' };
    return r;
  }
}

describe('the simulated appliance refuses what the real tools refuse', () => {
  test('every tool the appliance drives outside ZFS has a grammar', () => {
    expect(GRAMMAR_TOOLS.sort()).toEqual([
      'exportfs',
      'lsblk',
      'scstadmin',
      'sg_logs',
      'smartctl',
      'smbcontrol',
      'systemctl',
      'tapeinfo',
      'testparm',
      'tgtadm',
    ]);
  });

  test.each(REFUSED.map((v) => [`${v.tool} ${v.args.join(' ')}`, v] as const))('%s', async (_name, v) => {
    const r = grammarRefusal(v.tool, v.args);
    expect(r && shown(v, r)).toEqual({ code: v.code, text: v.text });
    // Through the simulated host, as an adapter sees it: the same refusal, as a failed command.
    const through = await simulated(v.tool, v.args);
    expect(through.code).toBe(v.code);
  });

  test('with -j, smartctl refuses inside its JSON document', () => {
    const r = grammarRefusal('smartctl', ['-j', '-Z', '/dev/null'])!;
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { smartctl: { argv: string[]; messages: unknown[]; exit_status: number } };
    expect(doc.smartctl).toMatchObject({
      argv: ['smartctl', '-j', '-Z', '/dev/null'],
      messages: [{ string: '=======> UNRECOGNIZED OPTION: Z', severity: 'error' }],
      exit_status: 1,
    });
  });

  test('sg_logs: its option errors print the usage and exit 0; no DEVICE, a second one or a bad page number exit 1', () => {
    const first = (args: string[]) => {
      const r = grammarRefusal('sg_logs', args);
      return r && { code: r.code, first: r.stderr.split('\n')[0], usage: r.stderr.includes(SG_LOGS_USAGE) };
    };
    expect(first(['--bogus', '/dev/sg1'])).toEqual({ code: 0, first: "sg_logs: unrecognized option '--bogus'", usage: true });
    expect(first(['-Z', '/dev/sg1'])).toEqual({ code: 0, first: "sg_logs: invalid option -- 'Z'", usage: true });
    expect(first(['/dev/sg1', '-p'])).toEqual({ code: 0, first: "sg_logs: option requires an argument -- 'p'", usage: true });
    expect(first(['/dev/sg1', '--page'])).toEqual({ code: 0, first: "sg_logs: option '--page' requires an argument", usage: true });
    expect(first(['--page=0x2e'])).toEqual({ code: 1, first: 'No DEVICE argument given', usage: true });
    expect(first(['--page=0x2e', '/dev/sg1', '/dev/sg2'])).toEqual({ code: 1, first: 'Unexpected extra argument: /dev/sg2', usage: true });
    expect(first(['--page=0x40', '/dev/sg1'])).toEqual({ code: 1, first: "Bad argument to '--page='", usage: true });
    expect(first(['--page=0x2e,0x100', '/dev/sg1'])).toEqual({ code: 1, first: "Bad second value in argument to '--page='", usage: true });
    for (const page of ['0x2e', '46', '2eh', '0x2e,0', '0x3f,255', 'ta', 'temp']) expect(grammarRefusal('sg_logs', [`--page=${page}`, '/dev/sg1'])).toBeNull();
    expect(grammarRefusal('sg_logs', ['-e'])).toBeNull();
    // Through the simulated appliance: refused before the tape simulator reads it.
    expect(grammarRefusal('tapeinfo', ['-f', '/dev/sg1'])).toBeNull();
  });

  test('smartctl --json takes its letters only attached (--json=c), and refuses a letter it does not know', () => {
    for (const json of ['--json', '--json=', '--json=c', '--json=cosv', '--json=y']) expect(grammarRefusal('smartctl', [json, '-a', '/dev/sda'])).toBeNull();
    const doc = (r: { stdout: string } | null) => JSON.parse(r!.stdout) as { smartctl: { messages: { string: string }[] } };
    expect(doc(grammarRefusal('smartctl', ['--json=z', '-i', '/dev/sda'])).smartctl.messages.map((m) => m.string)).toEqual([
      '=======> INVALID ARGUMENT TO --json: z',
      '=======> VALID ARGUMENTS ARE: c, g, i, o, s, u, v, y <=======',
    ]);
    // Written apart, the letters are a second device name.
    expect(doc(grammarRefusal('smartctl', ['--json', 'c', '-i', '/dev/sda'])).smartctl.messages[0]!.string).toBe(
      'ERROR: smartctl takes ONE device name as the final command-line argument.',
    );
    // -j takes no letters: -jz is -j and an unknown -z.
    expect(doc(grammarRefusal('smartctl', ['-jz', '-i', '/dev/sda'])).smartctl.messages).toEqual([
      { string: '=======> UNRECOGNIZED OPTION: z', severity: 'error' },
    ]);
    // --json=c prints the document on one line.
    expect(grammarRefusal('smartctl', ['--json=c', '-Z', '/dev/sda'])!.stdout.trim().split('\n')).toHaveLength(1);
  });

  test('systemctl takes the verbs and options the appliance sends, and the ones --help does not list', () => {
    for (const args of [
      ['show', '--no-pager', '-p', 'Id,ActiveState', 'chrony.service', 'smbd.service'],
      ['is-active', '--', 'smbd', 'nmbd'],
      ['restart', 'chrony.service'],
      ['enable', '--now', 'smbd'],
      ['disable', '--now', 'smbd'],
      ['reboot'],
      ['poweroff'],
      ['--no-legend', '--ignore-inhibitors', 'condrestart', 'smbd'],
      [],
    ])
      expect(grammarRefusal('systemctl', args)).toBeNull();
  });

  test('smbcontrol sends the message types the appliance uses, with their parameters', () => {
    for (const args of [
      ['-s', '/etc/samba/smb.conf', 'smbd', 'reload-config'],
      ['-s', '/etc/samba/smb.conf', 'smbd', 'ping'],
      ['smbd', 'close-share', 'projects'],
      ['smbd', 'kill-client-ip', '192.0.2.7'],
      ['smbd', 'dump-domain-list'],
      ['smbd', 'profile', 'flush'],
    ])
      expect(grammarRefusal('smbcontrol', args)).toBeNull();
  });

  test('scstadmin (no SCST here): unknown options and missing values are refused; its own options pass', () => {
    expect(grammarRefusal('scstadmin', ['-bogus'])).toEqual({ code: 1, stdout: '', stderr: 'Unknown option: bogus\n' });
    expect(grammarRefusal('scstadmin', ['-config'])?.code).toBe(1);
    expect(grammarRefusal('scstadmin', ['-noprompt', '-force', '-config', '/etc/scst.conf'])).toBeNull();
    expect(grammarRefusal('scstadmin', ['-check_config', '/etc/scst.conf'])).toBeNull();
  });

  test('clustered short options, attached values and --name=value are read as the real tools read them', () => {
    expect(grammarRefusal('lsblk', ['-Jbo', 'NAME,SIZE'])).toBeNull();
    expect(grammarRefusal('lsblk', ['--output=NAME', '/dev/sda'])).toBeNull();
    expect(grammarRefusal('smartctl', ['-jc', '-lselftest', '/dev/sda'])).toBeNull();
    expect(grammarRefusal('tgtadm', ['-C', '7', '--lld=iscsi', '-m', 'target', '-o', 'show'])).toBeNull();
    expect(grammarRefusal('exportfs', ['-ra'])).toBeNull();
    expect(grammarRefusal('exportfs', ['-o', 'rw,no_subtree_check', '127.0.0.1:/srv'])).toBeNull();
  });
});

const REAL_TOOLS = ['lsblk', 'exportfs', 'tgtadm', 'testparm', 'smartctl', 'smbcontrol', 'sg_logs', 'tapeinfo', 'systemctl'];
const real = peersAvailable(REAL_TOOLS);
(real ? describe : describe.skip)('the same vectors against the real tools', () => {
  const runReal = (tool: string, args: string[]) => {
    const r = spawnSync(tool, args, { encoding: 'utf8', timeout: 20_000 });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };

  test.each(REFUSED.map((v) => [`${v.tool} ${v.args.join(' ')}`, v] as const))('%s', (_name, v) => {
    expect(shown(v, runReal(v.tool, v.args))).toEqual({ code: v.code, text: v.text });
  });

  test('smbcontrol: the usage and the refusal of an unknown option are the real ones', () => {
    // Through a pipe, Samba 4.17 prints its option help twice in some runs (stdio buffering): compared line by line as a set.
    const lines = (text: string) => [...new Set(text.split('\n'))].sort();
    for (const args of [['--bogus'], ['smbd']]) {
      const r = runReal('smbcontrol', args);
      const sim = grammarRefusal('smbcontrol', args)!;
      expect({ code: sim.code, stdout: sim.stdout, first: sim.stderr.split('\n')[0], lines: lines(sim.stderr) }).toEqual({
        code: r.code,
        stdout: r.stdout,
        first: r.stderr.split('\n')[0],
        lines: lines(r.stderr),
      });
    }
  });

  test('sg_logs: the usage and the refusals are the real ones, word for word', () => {
    for (const args of [
      ['--bogus', '/dev/null'],
      ['-Z', '/dev/null'],
      ['/dev/null', '-p'],
      ['/dev/null', '--page'],
      ['--page=0x2e'],
      ['--page=0x2e', '/dev/null', '/dev/zero'],
      ['--page=0x40', '/dev/null'],
      ['--page=0x2e,0x100', '/dev/null'],
    ]) {
      const r = runReal('sg_logs', args);
      expect({ args, ...grammarRefusal('sg_logs', args)! }).toEqual({ args, code: r.code, stdout: r.stdout, stderr: r.stderr });
    }
    // What the grammar takes, the real tool takes too: its complaint is about /dev/null, not the arguments.
    for (const page of ['0x2e', '46', '2eh', '0x2e,0', 'ta'])
      expect(runReal('sg_logs', [`--page=${page}`, '/dev/null']).stderr).toMatch(/doesn't respond to a SCSI INQUIRY/);
  });

  test('testparm: an unknown option', () => {
    const r = runReal('testparm', ['--bogus']);
    expect(grammarRefusal('testparm', ['--bogus'])).toEqual({ code: r.code, stdout: r.stdout, stderr: r.stderr });
  });

  test('smartctl -j: the refusal document is the real one', () => {
    for (const args of [
      ['-j', '-Z', '/dev/null'],
      ['-j', '-a'],
      ['--json=z', '-i', '/dev/null'],
      ['--json=c', '-Z', '/dev/null'],
      ['-jz', '-i', '/dev/null'],
      ['--json', 'c', '-i', '/dev/null'],
    ]) {
      const r = runReal('smartctl', args);
      const sim = grammarRefusal('smartctl', args)!;
      expect({ code: sim.code, text: withoutBanner(sim.stdout) }).toEqual({ code: r.code, text: withoutBanner(r.stdout) });
    }
  });
});
