/**
 * Golden argument vectors: the exact argv each adapter sends for the main operations, recorded on the simulated
 * appliance (which answers them, and refuses what the real tool would refuse: src/system/sim/grammar/). A change to
 * an adapter's flags shows here first. Where the real tool runs here, the same vectors go to it, and it must take
 * them (no usage refusal); ZfsAdapter's vectors run against real ZFS in zfs-fuse.test.ts.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Host, RunOptions, RunResult } from '../../../src/system/host.js';
import { DiskAdapter } from '../../../src/system/disks/index.js';
import { NfsAdapter } from '../../../src/system/nfs/index.js';
import { SambaAdapter } from '../../../src/system/samba/index.js';
import { ScstAdapter } from '../../../src/system/scst/index.js';
import { Bconsole } from '../../../src/system/bacula/bconsole.js';
import { ChronyAdapter } from '../../../src/system/chrony/index.js';
import { readTimezone, setTimezone } from '../../../src/system/chrony/timedatectl.js';
import { BaculaAdapter, baculaPaths } from '../../../src/system/bacula/index.js';
import { generateKeyPair, publicKeyOf, scanHostKeys, sshArgs } from '../../../src/system/ssh/index.js';
import { trapArgs, trapClientConf, type Trap } from '../../../src/system/snmp/index.js';
import { configFromLive, NetworkAdapter, planIpChanges } from '../../../src/system/network/index.js';
import { grammarRefusal } from '../../../src/system/sim/grammar/index.js';
import { SystemdAdapter } from '../../../src/system/systemd/index.js';
import { SimulatedHost } from '../../../src/system/sim/simulated-host.js';
import { TapeAdapter } from '../../../src/system/tape/index.js';
import { TgtAdapter } from '../../../src/system/tgt/index.js';
import { ZfsAdapter } from '../../../src/system/zfs/index.js';
import { peersAvailable } from '../../helpers/peers.js';

type Call = [string, ...string[]];

/** The simulated appliance, with every command it was asked to run noted. */
function recording(): { host: Host; calls: Call[] } {
  // A clock that moves a second each time it is read: the simulated robot's moves end without waiting.
  let now = Date.parse('2026-11-30T12:00:00Z');
  const sim = new SimulatedHost({ now: () => (now += 1000) });
  const calls: Call[] = [];
  const host: Host = {
    kind: 'sim',
    files: sim.files,
    history: (limit) => sim.history(limit),
    now: () => sim.now(),
    run: (command: string, args: string[], opts?: RunOptions): Promise<RunResult> => {
      calls.push([command, ...args]);
      return sim.run(command, args, opts);
    },
  };
  return { host, calls };
}

const TGT_PORT = 59;
const target = {
  name: 'iqn.2026-01.com.example:backup',
  alias: 'backup',
  enabled: true,
  relTgtId: 1,
  portals: [{ ip: '127.0.0.1', port: 3260 }],
  chap: { user: 'initiator', secret: 'chap-secret-123' },
  mutualChap: null,
  groups: [{ name: 'hosts', initiators: ['iqn.2026-01.com.example:host1'] }],
  luns: [{ lun: 1, device: 'backup_1', backingType: 'zvol' as const, backingPath: '/dev/zvol/tank/vol1', readOnly: true, group: null, enabled: true }],
};

async function goldenVectors(): Promise<Record<string, Call[]>> {
  const out: Record<string, Call[]> = {};
  const at = async (name: string, work: (host: Host) => Promise<unknown>) => {
    const r = recording();
    await work(r.host);
    out[name] = r.calls;
  };
  await at('zpool create', (h) =>
    new ZfsAdapter(h).createPool({ name: 'backup', vdevs: [{ type: 'mirror', disks: ['sdm', 'sdn'] }], properties: { ashift: '12' } }),
  );
  await at('zfs create', (h) => new ZfsAdapter(h).createDataset({ name: 'tank/projects', properties: { compression: 'lz4', quota: '10G' } }));
  await at('zfs snapshot', (h) => new ZfsAdapter(h).snapshot('tank/shares@daily', { recursive: true }));
  await at('zfs set', (h) => new ZfsAdapter(h).setProperties('tank', { atime: 'off' }));
  await at('zpool scrub', (h) => new ZfsAdapter(h).scrub('tank', 'start'));
  await at('lsblk', (h) => new DiskAdapter(h).blockDevices());
  await at('smartctl -a', (h) => new DiskAdapter(h).smart('/dev/sdb'));
  await at('smartctl -t', (h) => new DiskAdapter(h).startSelfTest('/dev/sdb', 'short'));
  await at('smartctl -l selftest', (h) => new DiskAdapter(h).selfTestLog('/dev/sdb'));
  const samba = (h: Host) => new SambaAdapter(h, { configPath: '/etc/samba/smb.conf', serviceManager: 'none' });
  await at('testparm', (h) => samba(h).validate('[global]\n\tworkgroup = CALYPSO\n'));
  await at('smbcontrol ping', (h) => samba(h).running());
  // The simulated HP MSL G3: the changer at /dev/sg3, the first drive at /dev/sg2.
  await at('tapeinfo', (h) => new TapeAdapter(h).tapeinfo('/dev/sg2'));
  await at('sg_logs tapealert', (h) => new TapeAdapter(h).tapeAlerts('/dev/sg2'));
  await at('mtx status', (h) => new TapeAdapter(h).status('/dev/sg3'));
  // The changer's slots 1-8 hold cartridges, its drives are empty; the first drive is /dev/nst0.
  await at('tape: load, status, offline, unload, transfer, inventory', async (h) => {
    const tape = new TapeAdapter(h);
    await tape.lsscsi();
    await tape.load('/dev/sg3', 1, 0);
    await tape.mtStatus('/dev/nst0');
    await tape.offline('/dev/nst0');
    await tape.unload('/dev/sg3', 1, 0);
    const empty = (await tape.status('/dev/sg3')).slots.find((s) => !s.full && !s.importExport)!;
    await tape.transfer('/dev/sg3', 2, empty.index);
    await tape.inventory('/dev/sg3');
  });
  await at('bconsole', (h) => new Bconsole(h, { configPath: '/etc/bacula/bconsole.conf' }).batch(['version', 'status dir']));
  await at('chronyc tracking, sources', async (h) => {
    const chrony = new ChronyAdapter(h);
    await chrony.tracking();
    await chrony.sources();
  });
  await at('ip read, route get', async (h) => {
    const net = new NetworkAdapter(h);
    await net.read();
    await net.routeTo('10.0.0.77');
    await net.routeTo('fd00:10::77');
  });
  await at('ip changes', async (h) => {
    const net = new NetworkAdapter(h);
    const live = await net.read();
    const from = configFromLive(live, 'calypso', 'example.com', { servers: [], search: [] });
    // A new bond of eth3 with an address, a VLAN on eth0, jumbo frames on eth0, another IPv4 gateway and none for IPv6.
    const to: typeof from = {
      ...from,
      interfaces: [
        ...from.interfaces.filter((i) => i.name !== 'eth3').map((i) => (i.name === 'eth0' ? { ...i, mtu: 9000 } : i)),
        { name: 'bond1', dhcp4: false, dhcp6: false, addresses: ['10.30.0.10/24'], mtu: null },
        { name: 'eth0.20', dhcp4: false, dhcp6: false, addresses: ['10.20.0.10/24'], mtu: null },
      ],
      bonds: [...from.bonds, { name: 'bond1', members: ['eth3'], mode: 'active-backup', lacpRate: null, xmitHashPolicy: null }],
      vlans: [...from.vlans, { name: 'eth0.20', parent: 'eth0', id: 20 }],
      gateway4: '10.0.0.254',
      gateway6: null,
    };
    await net.run(planIpChanges(from, to, live));
  });
  await at('journalctl', async (h) => {
    const systemd = new SystemdAdapter(h);
    await systemd.journal('smbd.service', 20);
    await systemd.query({ unit: 'smbd.service', priority: 4, sinceMs: Date.parse('2026-11-30T10:00:00Z'), text: 'Fail.', limit: 50 });
    const [newest] = await systemd.follow({ priority: 6, limit: 100 });
    await systemd.follow({ afterCursor: newest!.cursor, priority: 6, limit: 100, unit: 'nmbd.service' });
  });
  await at('ssh-keygen: a pair, its public key', async (h) => {
    await generateKeyPair(h, '/var/lib/calypso/ssh/replication', 'calypso@nas');
    await publicKeyOf(h, '/var/lib/calypso/ssh/replication');
  });
  await at('ssh-keyscan', (h) => scanHostKeys(h, { host: '192.0.2.7', port: 2222 }));
  await at('chronyd -p', async (h) => {
    await h.files.writeAtomic('/etc/chrony/chrony.conf', 'server 192.0.2.1 iburst\ndriftfile /var/lib/chrony/chrony.drift\n');
    await new ChronyAdapter(h).validate('/etc/chrony/chrony.conf');
  });
  await at('timedatectl', async (h) => {
    await readTimezone(h);
    await setTimezone(h, 'Europe/Paris');
  });
  await at('bacula-dir -t, bacula-sd -t', async (h) => {
    const bacula = new BaculaAdapter(h, baculaPaths());
    await bacula.checkDirectorConf();
    await bacula.checkStorageDaemonConf();
  });
  await at('exportfs -ra', (h) => new NfsAdapter(h).reload());
  await at('exportfs -v', (h) => new NfsAdapter(h).active());
  await at('scstadmin check', async (h) => {
    await h.files.writeAtomic('/etc/scst.conf', 'HANDLER vdisk_blockio {\n}\n');
    await new ScstAdapter(h).check('/etc/scst.conf');
  });
  await at('scstadmin apply', async (h) => {
    await h.files.writeAtomic('/etc/scst.conf', 'HANDLER vdisk_blockio {\n}\n');
    await new ScstAdapter(h).apply('/etc/scst.conf');
  });
  await at('tgtadm reconcile', async (h) => {
    await h.run('zfs', ['create', '-V', '1G', 'tank/vol1']);
    await new TgtAdapter(h, { controlPort: TGT_PORT }).reconcile([target]);
  });
  return out;
}

const tgt = (...args: string[]): Call => ['tgtadm', '-C', String(TGT_PORT), '--lld', 'iscsi', ...args];

/** NetworkAdapter.read(): links, addresses and both families' routes, as JSON. */
const IP_READ: Call[] = [
  ['ip', '-j', '-d', 'link', 'show'],
  ['ip', '-j', 'addr', 'show'],
  ['ip', '-j', 'route', 'show'],
  ['ip', '-j', '-family', 'inet6', 'route', 'show'],
];

const GOLDEN: Record<string, Call[]> = {
  'zpool create': [['zpool', 'create', '-o', 'ashift=12', 'backup', 'mirror', 'sdm', 'sdn']],
  'zfs create': [['zfs', 'create', '-o', 'compression=lz4', '-o', 'quota=10G', 'tank/projects']],
  'zfs snapshot': [['zfs', 'snapshot', '-r', 'tank/shares@daily']],
  'zfs set': [['zfs', 'set', 'atime=off', 'tank']],
  'zpool scrub': [['zpool', 'scrub', 'tank']],
  lsblk: [['lsblk', '-J', '-b', '-O']],
  'smartctl -a': [['smartctl', '-j', '-a', '/dev/sdb']],
  'smartctl -t': [['smartctl', '-t', 'short', '/dev/sdb']],
  'smartctl -l selftest': [['smartctl', '-j', '-c', '-l', 'selftest', '/dev/sdb']],
  testparm: [['testparm', '-s', '/etc/samba/smb.conf.candidate']],
  'smbcontrol ping': [['smbcontrol', '-s', '/etc/samba/smb.conf', 'smbd', 'ping']],
  tapeinfo: [['tapeinfo', '-f', '/dev/sg2']],
  'sg_logs tapealert': [['sg_logs', '--page=0x2e', '/dev/sg2']],
  'mtx status': [['mtx', '-f', '/dev/sg3', 'status']],
  'tape: load, status, offline, unload, transfer, inventory': [
    ['lsscsi', '-g'],
    ['mtx', '-f', '/dev/sg3', 'load', '1', '0'],
    ['mt', '-f', '/dev/nst0', 'status'],
    ['mt', '-f', '/dev/nst0', 'offline'],
    ['mtx', '-f', '/dev/sg3', 'unload', '1', '0'],
    ['mtx', '-f', '/dev/sg3', 'status'],
    ['mtx', '-f', '/dev/sg3', 'transfer', '2', '17'],
    ['mtx', '-f', '/dev/sg3', 'inventory'],
  ],
  // The commands go to bconsole's standard input; the argv names the console's configuration only.
  bconsole: [['bconsole', '-n', '-c', '/etc/bacula/bconsole.conf']],
  'chronyc tracking, sources': [
    ['chronyc', '-c', '-n', 'tracking'],
    ['chronyc', '-c', '-n', 'sources'],
  ],
  'ip read, route get': [
    ['ip', '-j', '-d', 'link', 'show'],
    ['ip', '-j', 'addr', 'show'],
    ['ip', '-j', 'route', 'show'],
    ['ip', '-j', '-family', 'inet6', 'route', 'show'],
    ['ip', '-j', 'route', 'get', '10.0.0.77'],
    ['ip', '-j', '-family', 'inet6', 'route', 'get', 'fd00:10::77'],
  ],
  'ip changes': [
    ...IP_READ,
    ['ip', 'link', 'add', 'name', 'bond1', 'type', 'bond', 'mode', 'active-backup'],
    ['ip', 'link', 'set', 'dev', 'eth3', 'down'],
    ['ip', 'link', 'set', 'dev', 'eth3', 'master', 'bond1'],
    ['ip', 'link', 'set', 'dev', 'eth3', 'up'],
    ['ip', 'link', 'add', 'link', 'eth0', 'name', 'eth0.20', 'type', 'vlan', 'id', '20'],
    ['ip', 'link', 'set', 'dev', 'eth0', 'mtu', '9000'],
    ['ip', 'addr', 'add', '10.30.0.10/24', 'dev', 'bond1'],
    ['ip', 'link', 'set', 'dev', 'bond1', 'up'],
    ['ip', 'addr', 'add', '10.20.0.10/24', 'dev', 'eth0.20'],
    ['ip', 'link', 'set', 'dev', 'eth0.20', 'up'],
    ['ip', 'route', 'replace', 'default', 'via', '10.0.0.254'],
    ['ip', '-family', 'inet6', 'route', 'del', 'default', 'via', 'fd00:10::1'],
  ],
  journalctl: [
    ['journalctl', '--no-pager', '-o', 'json', '-n', '20', '-u', 'smbd.service'],
    ['journalctl', '--no-pager', '-o', 'json', '-r', '-n', '50', '-p', '4', '-u', 'smbd.service', '--since', '2026-11-30 10:00:00.000000 UTC', '-g', 'fail\\.'],
    ['journalctl', '--no-pager', '-o', 'json', '-n', '1'],
    [
      'journalctl',
      '--no-pager',
      '-o',
      'json',
      '--after-cursor=s=5ca1ab1e0c0ffee05ca1ab1e0c0ffee0;i=1d;b=b007b007b007b007b007b007b007b007;m=6617cf0ad6b80;t=6617cf0ad6b80;x=11ec48c90d',
      '-n',
      '100',
      '-p',
      '6',
      '-u',
      'nmbd.service',
    ],
  ],
  'ssh-keygen: a pair, its public key': [
    ['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'calypso@nas', '-f', '/var/lib/calypso/ssh/replication'],
    ['ssh-keygen', '-y', '-f', '/var/lib/calypso/ssh/replication'],
  ],
  'ssh-keyscan': [['ssh-keyscan', '-T', '10', '-t', 'ed25519,ecdsa,rsa', '-p', '2222', '192.0.2.7']],
  'chronyd -p': [['chronyd', '-p', '-f', '/etc/chrony/chrony.conf']],
  timedatectl: [
    ['timedatectl', 'show', '-p', 'Timezone', '--value'],
    ['timedatectl', 'set-timezone', 'Europe/Paris'],
  ],
  'bacula-dir -t, bacula-sd -t': [
    ['bacula-dir', '-t', '-c', '/etc/bacula/bacula-dir.conf'],
    ['bacula-sd', '-t', '-c', '/etc/bacula/bacula-sd.conf'],
  ],
  'exportfs -ra': [['exportfs', '-ra']],
  'exportfs -v': [['exportfs', '-v']],
  'scstadmin check': [['scstadmin', '-check_config', '/etc/scst.conf']],
  'scstadmin apply': [['scstadmin', '-noprompt', '-force', '-config', '/etc/scst.conf']],
  'tgtadm reconcile': [
    ['zfs', 'create', '-V', '1G', 'tank/vol1'],
    tgt('--mode', 'target', '--op', 'show'),
    tgt('--mode', 'target', '--op', 'new', '--tid', '1', '--targetname', 'iqn.2026-01.com.example:backup'),
    tgt('--mode', 'logicalunit', '--op', 'new', '--tid', '1', '--lun', '1', '--backing-store', '/dev/zvol/tank/vol1'),
    tgt('--mode', 'logicalunit', '--op', 'update', '--tid', '1', '--lun', '1', '--params', 'readonly=1'),
    tgt('--mode', 'target', '--op', 'bind', '--tid', '1', '--initiator-name', 'iqn.2026-01.com.example:host1'),
    tgt('--mode', 'account', '--op', 'delete', '--user', 'initiator'),
    tgt('--mode', 'account', '--op', 'new', '--user', 'initiator', '--password', 'chap-secret-123'),
    tgt('--mode', 'account', '--op', 'bind', '--tid', '1', '--user', 'initiator'),
  ],
};

describe('golden argument vectors of the main operations', () => {
  let recorded: Record<string, Call[]>;

  test('each operation sends exactly the pinned argv, and the simulated appliance takes it', async () => {
    recorded = await goldenVectors();
    expect(recorded).toEqual(GOLDEN);
  });

  test("every pinned vector passes its tool's grammar table", () => {
    for (const [tool, ...args] of Object.values(GOLDEN).flat()) expect([tool, args, grammarRefusal(tool, args)]).toEqual([tool, args, null]);
  });
});

const real = peersAvailable(['tgtadm', 'testparm', 'lsblk', 'smartctl', 'exportfs', 'sg_logs', 'tapeinfo', 'mtx']);
(real ? describe : describe.skip)('the pinned vectors against the real tools', () => {
  const run = (call: Call) => {
    const r = spawnSync(call[0], call.slice(1), { encoding: 'utf8', timeout: 20_000 });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };

  test('tgtadm reads every vector (no tgtd listens on the port: the refusal comes after the arguments were taken)', () => {
    for (const call of GOLDEN['tgtadm reconcile']!.filter((c) => c[0] === 'tgtadm')) {
      const r = run(call);
      expect([call.join(' '), r.code, r.stderr]).toEqual([
        call.join(' '),
        107,
        'tgtadm: failed to send request hdr to tgt daemon, Transport endpoint is not connected\n',
      ]);
    }
  });

  test('testparm -s FILE, lsblk -J -b -O and exportfs -v run', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-argv-'));
    try {
      const conf = path.join(dir, 'smb.conf');
      fs.writeFileSync(conf, '[global]\n\tworkgroup = CALYPSO\n');
      const [, flag] = GOLDEN.testparm![0]!;
      expect(run(['testparm', flag!, conf]).code).toBe(0);
      const lsblk = run(GOLDEN.lsblk![0]!);
      expect(lsblk.code).toBe(0);
      expect(JSON.parse(lsblk.stdout)).toHaveProperty('blockdevices');
      expect(run(GOLDEN['exportfs -v']![0]!).code).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('smartctl takes the vectors (a missing device is its only complaint)', () => {
    for (const name of ['smartctl -a', 'smartctl -l selftest', 'smartctl -t']) {
      const [tool, ...args] = GOLDEN[name]![0]!;
      const r = run([tool, ...args.map((a) => (a === '/dev/sdb' ? '/dev/calypso-no-such-disk' : a))]);
      expect(r.stdout).not.toMatch(/UNRECOGNIZED OPTION|INVALID ARGUMENT|ARGUMENT REQUIRED|requires a device name/);
      expect(r.stdout).toContain('/dev/calypso-no-such-disk');
    }
  });

  test('tapeinfo, sg_logs and mtx take the vectors (no SCSI device here: opening it is their only complaint)', () => {
    const missing = '/dev/calypso-no-such-sg';
    const on = (name: string) => run(GOLDEN[name]![0]!.map((a) => (/^\/dev\/sg\d+$/.test(a) ? missing : a)) as Call);
    expect(on('tapeinfo')).toMatchObject({ code: 1, stderr: `cannot open SCSI device '${missing}' - No such file or directory\n` });
    expect(on('mtx status')).toMatchObject({ code: 1, stderr: `cannot open SCSI device '${missing}' - No such file or directory\n` });
    const sgLogs = on('sg_logs tapealert');
    expect(sgLogs.stderr).not.toMatch(/Usage|bad argument|Bad argument|Syntax error/i);
    expect(sgLogs.stderr).toContain(missing);
  });
});

/** What the tools print when they refuse their arguments (any of them): a taken vector never shows one of these. */
const USAGE_REFUSAL = /is unknown, try|^Usage:|is wrong|garbage|unrecognized option|invalid option|requires an argument|Unrecognized command|ambiguous/im;

(peersAvailable(['ip', 'unshare']) ? describe : describe.skip)('ip: the pinned vectors against the real ip', () => {
  test('the reads run here', () => {
    for (const call of GOLDEN['ip read, route get']!.filter((c) => !c.includes('get'))) {
      const r = spawnSync(call[0], call.slice(1), { encoding: 'utf8', timeout: 20_000 });
      expect([call.join(' '), r.status]).toEqual([call.join(' '), 0]);
      expect(JSON.parse(r.stdout)).toBeInstanceOf(Array);
    }
  });

  test("the changes are taken, each in a network namespace of its own with the links they name (the kernel's answers only)", () => {
    // A throwaway namespace: nothing of this machine's network changes. Its links are veth pairs under the names the
    // plan uses; the kernel may lack bonds and VLANs ("Unknown device type"): answers to arguments ip has read.
    for (const call of [...GOLDEN['ip read, route get']!, ...GOLDEN['ip changes']!]) {
      const links = ['eth0', 'eth3', 'bond1', 'eth0.20'].map((name, i) => `ip link add ${name} type veth peer name peer${i}`);
      const script = `${links.join(' && ')} && exec "$@"`;
      const r = spawnSync('unshare', ['-n', 'sh', '-c', script, 'sh', ...call], { encoding: 'utf8', timeout: 20_000 });
      expect({ call: call.join(' '), stderr: r.stderr }).not.toEqual({ call: call.join(' '), stderr: expect.stringMatching(USAGE_REFUSAL) });
    }
  });
});

(peersAvailable(['chronyc', 'journalctl', 'bconsole', 'mtx']) ? describe : describe.skip)('the other pinned vectors against the real tools', () => {
  const run = (call: string[]) => {
    const r = spawnSync(call[0]!, call.slice(1), { encoding: 'utf8', input: '', timeout: 20_000 });
    return { call: call.join(' '), code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  test('chronyc takes its vectors (with no chronyd to answer: "506 Cannot talk to daemon")', () => {
    for (const call of GOLDEN['chronyc tracking, sources']!) {
      const r = run(call);
      expect(r.stderr).not.toMatch(USAGE_REFUSAL);
      expect(r.stdout).not.toMatch(/^Usage:/m);
    }
  });

  test('journalctl takes its vectors (no journal, or a cursor of another machine: its only complaints)', () => {
    for (const call of GOLDEN.journalctl!) {
      const r = run(call);
      expect(r.stderr).not.toMatch(USAGE_REFUSAL);
      expect(r.stderr).not.toMatch(/Unknown output format|Unknown log level|Failed to parse|Failed to add match/);
      expect([0, 1]).toContain(r.code);
    }
  });

  test('bconsole takes -n -c FILE (a configuration that is not there is its only complaint)', () => {
    const [tool, ...args] = GOLDEN.bconsole![0]!;
    const r = run([tool, ...args.map((a) => (a.endsWith('.conf') ? '/nonexistent/calypso-bconsole.conf' : a))]);
    expect(r.stderr).not.toMatch(USAGE_REFUSAL);
    expect(r.stdout).toContain('Cannot open config file "/nonexistent/calypso-bconsole.conf"');
  });

  test('mtx takes load, unload, transfer and inventory (opening the device is its only complaint)', () => {
    const missing = '/dev/calypso-no-such-sg';
    for (const call of GOLDEN['tape: load, status, offline, unload, transfer, inventory']!.filter((c) => c[0] === 'mtx')) {
      const r = run(call.map((a) => (a === '/dev/sg3' ? missing : a)));
      expect(r).toMatchObject({ code: 1, stderr: `cannot open SCSI device '${missing}' - No such file or directory\n` });
    }
  });
});

/** replication's transport: the argv of `ssh` in front of the remote zfs (sshArgs, used by the zfs send endpoint). */
const SSH_ENDPOINT = {
  host: '192.0.2.7',
  port: 2222,
  user: 'calypso',
  keyPath: '/var/lib/calypso/ssh/replication',
  knownHostsPath: '/var/lib/calypso/ssh/known_hosts.7',
};
const SSH_GOLDEN: Call = [
  'ssh',
  '-i',
  '/var/lib/calypso/ssh/replication',
  '-o',
  'UserKnownHostsFile=/var/lib/calypso/ssh/known_hosts.7',
  '-o',
  'GlobalKnownHostsFile=/dev/null',
  '-o',
  'StrictHostKeyChecking=yes',
  '-o',
  'BatchMode=yes',
  '-o',
  'IdentitiesOnly=yes',
  '-o',
  'ConnectTimeout=20',
  '-o',
  'ServerAliveInterval=15',
  '-o',
  'ServerAliveCountMax=4',
  '-p',
  '2222',
  'calypso@192.0.2.7',
  'zfs',
  'recv',
  '-s',
  '-F',
  'tank/backup',
];

const TRAP: Trap = {
  manager: '127.0.0.1',
  port: 162,
  oid: '1.3.6.1.4.1.8072.9999.9999.42.0.1',
  varbinds: [
    { oid: '1.3.6.1.4.1.8072.9999.9999.42.1.1', type: 'u', value: 7 },
    { oid: '1.3.6.1.4.1.8072.9999.9999.42.1.3', type: 's', value: '-x a text that looks like an option' },
  ],
};
const TRAP_V3 = {
  version: '3',
  user: 'calypso',
  authProtocol: 'SHA-256',
  authPassphrase: 'auth-Pass-123',
  privProtocol: 'AES',
  privPassphrase: 'priv-Pass-456',
  engineId: '0x80001F88050102030405060708',
} as const;
const SNMPTRAP_GOLDEN: Call = [
  'snmptrap',
  '-m',
  '',
  'udp:127.0.0.1:162',
  '',
  '1.3.6.1.4.1.8072.9999.9999.42.0.1',
  '1.3.6.1.4.1.8072.9999.9999.42.1.1',
  'u',
  '7',
  '1.3.6.1.4.1.8072.9999.9999.42.1.3',
  's',
  ' -x a text that looks like an option',
];

describe('snmptrap: the argv of a trap', () => {
  test('v2c and v3 send exactly the pinned argv (secrets only in the snmp.conf), which passes snmptrap’s grammar', () => {
    const v2 = ['snmptrap', ...trapArgs(TRAP, { version: '2c', community: 'c0mmunity' })];
    const v3 = ['snmptrap', ...trapArgs(TRAP, TRAP_V3)];
    expect(v2).toEqual(SNMPTRAP_GOLDEN);
    expect(v3).toEqual([...SNMPTRAP_GOLDEN.slice(0, 3), '-e', TRAP_V3.engineId, ...SNMPTRAP_GOLDEN.slice(3)]);
    expect(grammarRefusal('snmptrap', v2.slice(1))).toBeNull();
    expect(grammarRefusal('snmptrap', v3.slice(1))).toBeNull();
  });
});

(peersAvailable(['snmptrap']) ? describe : describe.skip)('snmptrap: the real tool takes the pinned argv', () => {
  test('v2c and v3, as the appliance runs it (POSIXLY_CORRECT, its configuration in a directory of its own): exit 0, nothing said', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-snmptrap-argv-'));
    try {
      fs.mkdirSync(path.join(dir, 'persist', 'cert_indexes'), { recursive: true });
      const env = { ...process.env, POSIXLY_CORRECT: '1', SNMPCONFPATH: dir, SNMP_PERSISTENT_DIR: path.join(dir, 'persist') };
      // A v2c trap is one datagram, sent without an answer; a v3 one needs the manager's engine: the trap is sent with ours.
      for (const auth of [{ version: '2c', community: 'c0mmunity' } as const, TRAP_V3]) {
        fs.writeFileSync(path.join(dir, 'snmp.conf'), trapClientConf(auth), { mode: 0o600 });
        const args = trapArgs({ ...TRAP, port: 9 }, auth);
        const r = spawnSync('snmptrap', args, { encoding: 'utf8', input: '', timeout: 20_000, env });
        expect({ version: auth.version, code: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
          version: auth.version,
          code: 0,
          stdout: '',
          stderr: '',
        });
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ssh: the transport argv', () => {
  test('sshArgs sends exactly the pinned argv, which passes ssh’s grammar (the remote words are not ssh’s options)', () => {
    expect(['ssh', ...sshArgs(SSH_ENDPOINT, ['zfs', 'recv', '-s', '-F', 'tank/backup'])]).toEqual(SSH_GOLDEN);
    expect(grammarRefusal('ssh', SSH_GOLDEN.slice(1))).toBeNull();
  });
});

(peersAvailable(['ssh', 'ssh-keygen', 'ssh-keyscan', 'chronyd', 'bacula-dir', 'bacula-sd']) ? describe : describe.skip)(
  'the second round of pinned vectors against the real tools',
  () => {
    const run = (call: string[]) => {
      const r = spawnSync(call[0]!, call.slice(1), { encoding: 'utf8', input: '', timeout: 30_000 });
      return { call: call.join(' '), code: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    let dir: string;
    beforeAll(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-argv2-'));
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    const inDir = (call: Call) => call.map((a) => (a.startsWith('/var/lib/calypso/ssh/') ? path.join(dir, path.basename(a)) : a));

    test('ssh-keygen makes the pair and reads its public key back', () => {
      const [generate, read] = GOLDEN['ssh-keygen: a pair, its public key']!;
      expect(run(inDir(generate!))).toMatchObject({ code: 0, stderr: '' });
      const pub = run(inDir(read!));
      expect(pub.code).toBe(0);
      expect(pub.stdout).toMatch(/^ssh-ed25519 [A-Za-z0-9+/]+={0,2} calypso@nas\n$/);
      expect(fs.readFileSync(path.join(dir, 'replication.pub'), 'utf8')).toBe(pub.stdout);
    });

    test('ssh takes the transport argv: with -G it prints the configuration the options make, without connecting', () => {
      const r = run(['ssh', '-G', ...SSH_GOLDEN.slice(1)]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^port 2222$/m);
      expect(r.stdout).toMatch(/^batchmode yes$/m);
      expect(r.stdout).toMatch(/^stricthostkeychecking true$/m);
      expect(r.stdout).toMatch(/^userknownhostsfile \/var\/lib\/calypso\/ssh\/known_hosts\.7$/m);
    });

    test('ssh-keyscan takes its vector (aimed at a closed loopback port: the connection is its only complaint)', () => {
      const [call] = GOLDEN['ssh-keyscan']!;
      const r = run(call!.map((a) => (a === '192.0.2.7' ? '127.0.0.1' : a === '2222' ? '1' : a)));
      expect(r.stderr).not.toMatch(/usage:|unknown option|requires an argument|Bad port|Bad timeout|Unknown key type/);
      expect(r.stdout).toBe('');
    });

    test('chronyd -p -f FILE prints the configuration it read', () => {
      const conf = path.join(dir, 'chrony.conf');
      fs.writeFileSync(conf, 'server 192.0.2.1 iburst\n');
      const r = run(GOLDEN['chronyd -p']![0]!.map((a) => (a === '/etc/chrony/chrony.conf' ? conf : a)));
      expect(r).toMatchObject({ code: 0, stdout: 'server 192.0.2.1 iburst\n' });
    });

    test('bacula-dir -t and bacula-sd -t take -c FILE (a configuration that is not there is their only complaint)', () => {
      for (const call of GOLDEN['bacula-dir -t, bacula-sd -t']!) {
        const missing = `/nonexistent/calypso-${call[0]}.conf`;
        const r = run(call.map((a) => (a.endsWith('.conf') ? missing : a)));
        expect(r.stderr).not.toMatch(USAGE_REFUSAL);
        expect(r).toMatchObject({ code: 1, stdout: expect.stringContaining(`Cannot open config file "${missing}"`) });
      }
    });
  },
);
