/**
 * The sharing vocabulary exists twice: in src/contracts (what a caller may send) and in
 * src/system (what the renderers agree to write), because neither layer imports the other.
 * The two copies must say the same: same patterns, same answers on the same values.
 */
import { describe, expect, test } from '@jest/globals';
import * as contractIscsi from '../../src/contracts/iscsi.js';
import * as contractShares from '../../src/contracts/share-schemas.js';
import { NFS_PATH, nfsClientProblem } from '../../src/system/nfs/index.js';
import { SMB_RESERVED_SECTIONS, SMB_SHARE_NAME, smbValueProblem } from '../../src/system/samba/index.js';
import { CHAP_SECRET, CHAP_USER, EUI, IQN, NAA, SCST_NAME, iscsiNameProblem } from '../../src/system/scst/model.js';

const same = (a: RegExp, b: RegExp) => expect({ source: a.source, flags: a.flags }).toEqual({ source: b.source, flags: b.flags });

describe('sharing vocabulary: contracts and system agree', () => {
  test('patterns and lists', () => {
    same(contractShares.SMB_SHARE_NAME, SMB_SHARE_NAME);
    same(contractShares.NFS_PATH, NFS_PATH);
    expect(contractShares.SMB_RESERVED_SECTIONS).toEqual(SMB_RESERVED_SECTIONS);
    same(contractIscsi.IQN, IQN);
    same(contractIscsi.EUI, EUI);
    same(contractIscsi.NAA, NAA);
    same(contractIscsi.CHAP_SECRET, CHAP_SECRET);
    same(contractIscsi.CHAP_USER, CHAP_USER);
    same(contractIscsi.SCST_NAME, SCST_NAME);
  });

  test('smb.conf values', () => {
    const values = ['', 'plain', ' lead', 'trail ', 'a\nb', 'a\rb', 'a\0b', 'ends\\', 'ends\\  ', 'mid\\dle', 'ünïcode', '[x]', '%U'];
    for (const v of values) expect([v, contractShares.smbValueProblem(v)]).toEqual([v, smbValueProblem(v)]);
  });

  test('NFS clients', () => {
    const hosts = [
      '*', '@group', '@', '@bad group', '10.0.0.1', '10.0.0.0/24', '10.0.0.0/33', '10.0.0.0/x', 'fd00::/64', 'fd00::/129', '::1', '999.1.1.1',
      '1.2.3', 'host.example.com', '*.example.com', 'host?', '-bad', 'bad_host', 'a'.repeat(64), `${'a.'.repeat(127)}a`, `${'a.'.repeat(127)}ab`, 'x/24', 'ALL', '',
    ];
    for (const h of hosts) expect([h, contractShares.nfsClientProblem(h)]).toEqual([h, nfsClientProblem(h)]);
  });

  test('iSCSI names', () => {
    const names = [
      'iqn.2005-10.org.calypso:vm-store', 'IQN.2005-10.org.calypso:x', 'iqn.2005-10.Org.calypso', 'iqn.2005-13.org.x', 'eui.0123456789ABCDEF',
      'eui.0123456789abcdef', 'naa.0123456789ABCDEF0123456789ABCDEF', 'naa.0123', 'target', '', `iqn.2005-10.org.x:${'a'.repeat(210)}`,
      `iqn.2005-10.org.x:${'é'.repeat(110)}`, `iqn.2005-10.org.x:${'\ud800'.repeat(70)}`,
    ];
    for (const n of names) expect([n, contractIscsi.iscsiNameProblem(n)]).toEqual([n, iscsiNameProblem(n)]);
  });
});
