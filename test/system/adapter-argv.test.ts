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
import { describe, expect, test } from '@jest/globals';
import type { Host, RunOptions, RunResult } from '../../src/system/host.js';
import { DiskAdapter } from '../../src/system/disks/index.js';
import { NfsAdapter } from '../../src/system/nfs/index.js';
import { SambaAdapter } from '../../src/system/samba/index.js';
import { ScstAdapter } from '../../src/system/scst/index.js';
import { grammarRefusal } from '../../src/system/sim/grammar/index.js';
import { SimulatedHost } from '../../src/system/sim/simulated-host.js';
import { TapeAdapter } from '../../src/system/tape/index.js';
import { TgtAdapter } from '../../src/system/tgt/index.js';
import { ZfsAdapter } from '../../src/system/zfs/index.js';
import { peersAvailable } from '../shares/helpers.js';

type Call = [string, ...string[]];

/** The simulated appliance, with every command it was asked to run noted. */
function recording(): { host: Host; calls: Call[] } {
  const sim = new SimulatedHost();
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
