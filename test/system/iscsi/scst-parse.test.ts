/** parseScstConf: what "adopt" reads back from a live scst.conf. */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { renderScstConf } from '../../../src/system/scst/index.js';
import { ScstConfParseError, parseScstConf } from '../../../src/system/scst/parse.js';
import { GOLDEN_TARGETS } from '../../helpers/scst-model.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/scst/${name}`, import.meta.url), 'utf8');

describe('parseScstConf', () => {
  test('reads back what Calypso renders: targets, CHAP, portals, groups, LUNs and their devices', () => {
    const parsed = parseScstConf(renderScstConf(GOLDEN_TARGETS));
    expect(parsed.ignored).toEqual([]);
    const vm = parsed.targets.find((t) => t.name === 'iqn.2005-10.org.calypso:vm-store')!;
    expect(vm).toMatchObject({
      alias: 'VM store',
      enabled: true,
      relTgtId: 1,
      allowedPortals: ['192.168.10.5', '192.168.20.5'],
      incomingUser: { user: 'esxi', secret: 'Initiat0rSecret' },
      outgoingUser: { user: 'calypso', secret: 'T4rgetSecret!' },
      groups: [{ name: 'esxi-hosts', initiators: ['iqn.1998-01.com.vmware:esx01-3c2b', 'iqn.1998-01.com.vmware:esx02-4f1a'] }],
    });
    // The disabled LUN 2 is in no file.
    expect(vm.luns).toEqual([
      { lun: 1, device: 't1_lun1', group: null },
      { lun: 0, device: 't1_lun0', group: 'esxi-hosts' },
    ]);
    expect(parsed.devices.get('t1_lun1')).toEqual({ handler: 'vdisk_blockio', filename: '/dev/disk/by-id/wwn-0x5002538e40a1b2c3', readOnly: true });
    expect(parsed.devices.get('t2_lun0')).toEqual({ handler: 'vdisk_fileio', filename: '/tank/iscsi/backup.img', readOnly: false });
    expect(parsed.targets.find((t) => t.name === 'iqn.2005-10.org.calypso:backup')).toMatchObject({
      enabled: false,
      incomingUser: null,
      luns: [{ lun: 0, device: 't2_lun0', group: null }],
    });
  });

  test('a hand-edited file in scstadmin layout: what is not managed is listed, never a secret', () => {
    const parsed = parseScstConf(fixture('hand-edited.conf'));
    expect(parsed.targets.map((t) => t.name)).toEqual(['iqn.2005-10.org.calypso:vm-store', 'iqn.2005-10.org.calypso:empty']);
    const vm = parsed.targets[0]!;
    expect(vm).toMatchObject({
      alias: 'VM store',
      enabled: true,
      relTgtId: 7,
      incomingUser: { user: 'esxi', secret: 'Initiat0rSecret' },
      allowedPortals: ['192.168.10.5'],
    });
    expect(vm.luns).toEqual([
      { lun: 1, device: 'backup_img', group: null },
      { lun: 0, device: 'vm1', group: 'esxi-hosts' },
    ]);
    expect(parsed.devices.get('spare')).toEqual({ handler: 'vdisk_blockio', filename: null, readOnly: false });
    expect(parsed.ignored).toEqual([
      'DEVICE vm1: rotational',
      'TARGET_DRIVER iscsi: link_local',
      'TARGET iqn.2005-10.org.calypso:vm-store: IncomingUser (another one)',
      'TARGET iqn.2005-10.org.calypso:vm-store: QueuedCommands',
      'GROUP esxi-hosts: cpu_mask',
      'TARGET_DRIVER copy_manager (and everything in it)',
    ]);
    expect(parsed.ignored.join('\n')).not.toContain('S3condSecret12');
  });

  test('broken files are refused with the line', () => {
    expect(() => parseScstConf('TARGET_DRIVER iscsi {\n\tTARGET iqn.2005-10.org.x:a {\n')).toThrow(ScstConfParseError);
    expect(() => parseScstConf('}\n')).toThrow(/line 1: unbalanced/);
    expect(() => parseScstConf('TARGET_DRIVER iscsi {\n\tTARGET iqn.2005-10.org.x:a {\n\t\tLUN zero dev\n\t}\n}\n')).toThrow(/line 3: LUN needs a number/);
    expect(() => parseScstConf('TARGET_DRIVER iscsi {\n\tTARGET iqn.2005-10.org.x:a {\n\t\tIncomingUser "lonely"\n\t}\n}\n')).toThrow(/IncomingUser needs/);
  });
});
