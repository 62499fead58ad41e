import type { IscsiTargetConf } from '../../src/system/scst/index.js';

/** Two targets: CHAP + mutual CHAP with an initiator group, and a disabled one with a file LUN. */
export const GOLDEN_TARGETS: IscsiTargetConf[] = [
  {
    name: 'iqn.2005-10.org.calypso:vm-store',
    alias: 'VM store',
    enabled: true,
    relTgtId: 1,
    portals: [
      { ip: '192.168.10.5', port: 3260 },
      { ip: '192.168.20.5', port: 3260 },
    ],
    chap: { user: 'esxi', secret: 'Initiat0rSecret' },
    mutualChap: { user: 'calypso', secret: 'T4rgetSecret!' },
    groups: [{ name: 'esxi-hosts', initiators: ['iqn.1998-01.com.vmware:esx02-4f1a', 'iqn.1998-01.com.vmware:esx01-3c2b'] }],
    luns: [
      { lun: 0, device: 't1_lun0', backingType: 'zvol', backingPath: '/dev/zvol/tank/vms/vm1', readOnly: false, group: 'esxi-hosts', enabled: true },
      { lun: 1, device: 't1_lun1', backingType: 'disk', backingPath: '/dev/disk/by-id/wwn-0x5002538e40a1b2c3', readOnly: true, group: null, enabled: true },
      { lun: 2, device: 't1_lun2', backingType: 'zvol', backingPath: '/dev/zvol/tank/vms/old', readOnly: false, group: null, enabled: false },
    ],
  },
  {
    name: 'iqn.2005-10.org.calypso:backup',
    alias: '',
    enabled: false,
    relTgtId: 2,
    portals: [],
    chap: null,
    mutualChap: null,
    groups: [],
    luns: [{ lun: 0, device: 't2_lun0', backingType: 'file', backingPath: '/tank/iscsi/backup.img', readOnly: false, group: null, enabled: true }],
  },
];
