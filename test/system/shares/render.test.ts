/** Rendering and parsing of the sharing tools' files and outputs: pure functions, fixtures and golden files. */
import fs from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { adoptExports, parseExportEntries, renderExports } from '../../../src/system/nfs/index.js';
import { adoptSmbConf, parseSmbConf, parseSmbStatusJson, renderSmbConf, type SmbShareConf } from '../../../src/system/samba/index.js';
import { redactScstConf, renderScstConf } from '../../../src/system/scst/index.js';
import { parseTgtShow } from '../../../src/system/tgt/index.js';
import { lineDiff } from '../../../src/services/shares/apply.js';
import { iscsiNameProblem } from '../../../src/vocabulary/iscsi.js';
import { GOLDEN_TARGETS } from '../../helpers/scst-model.js';

const fixture = (...p: string[]) => fs.readFileSync(new URL(`../../fixtures/${p.join('/')}`, import.meta.url), 'utf8');

const share = (over: Partial<SmbShareConf> = {}): SmbShareConf => ({
  name: 'finance',
  path: '/tank/shares/finance',
  comment: 'Finance team',
  enabled: true,
  readOnly: false,
  browseable: true,
  guestOk: false,
  validUsers: ['alice'],
  validGroups: ['finance'],
  hostsAllow: ['10.0.0.0/24'],
  hostsDeny: [],
  shadowCopy: { format: 'auto-%Y%m%d-%H%M' },
  recycleBin: true,
  timeMachine: false,
  ...over,
});
const globals = { workgroup: 'CALYPSO', serverString: 'Calypso', minProtocol: 'SMB2_10' as const, encryption: 'desired' as const, extra: {} };

describe('smb.conf', () => {
  test('renders every share option and reads back the same model', () => {
    const shares = [
      share(),
      share({
        name: 'tm',
        path: '/tank/tm',
        comment: '',
        timeMachine: true,
        shadowCopy: null,
        recycleBin: false,
        validUsers: [],
        validGroups: [],
        hostsAllow: [],
        hostsDeny: ['10.0.0.9'],
        enabled: false,
      }),
    ];
    const text = renderSmbConf(globals, shares);
    expect(text).toContain('\tvfs objects = shadow_copy2 recycle\n');
    expect(text).toContain('\tshadow:snapdir = .zfs/snapshot\n');
    expect(text).toContain('\tvalid users = alice @finance\n');
    expect(text).toContain('\tfruit:time machine = yes\n');
    expect(text).toContain('[tm]\n\tpath = /tank/tm\n\tavailable = no\n');
    const adopted = adoptSmbConf(text, globals, []);
    expect(adopted.ignored).toEqual([]);
    expect(adopted.shares).toEqual(shares);
    expect(adopted.globals).toMatchObject({ workgroup: 'CALYPSO', minProtocol: 'SMB2_10', encryption: 'desired' });
  });

  test('a newline, [ or ] in a name or value can never start a new section', () => {
    for (const bad of ['x\n[evil]', 'x]\n[evil', 'evil]', '[evil']) {
      expect(() => renderSmbConf(globals, [share({ name: bad })])).toThrow(/not allowed/);
    }
    for (const value of ['ok\n[evil]\npath = /', 'ok\r[evil]', 'trailing \\', 'nul\0']) {
      expect(() => renderSmbConf(globals, [share({ comment: value })])).toThrow(/smb.conf comment/);
      expect(() => renderSmbConf({ ...globals, serverString: value }, [])).toThrow(/smb.conf server string/);
    }
    // Whatever is accepted renders to exactly one section per share.
    const text = renderSmbConf(globals, [share({ comment: 'a [b] c' })]);
    expect(parseSmbConf(text).map((s) => s.name)).toEqual(['global', 'finance']);
  });

  test('smbstatus --json: sessions with their shares, and open files (Samba 4.17)', () => {
    const s = parseSmbStatusJson(fixture('samba', 'smbstatus-4.17-session.json'));
    expect(s.sessions).toEqual([
      expect.objectContaining({
        username: 'smbtu1',
        remoteMachine: '127.0.0.1',
        dialect: 'SMB3_11',
        signing: 'partial',
        shares: [expect.objectContaining({ share: 'data' })],
      }),
    ]);
    const f = parseSmbStatusJson(fixture('samba', 'smbstatus-4.17-open-file.json'));
    expect(f.openFiles).toEqual([expect.objectContaining({ path: '/tmp/sx/share/f.txt', filename: 'f.txt', uid: 1001, access: 'RW' })]);
  });
});

describe('NFS exports', () => {
  test('renders per-client rules and reads them back', () => {
    const exports = [
      {
        path: '/tank/shares/nfs',
        enabled: true,
        comment: '',
        clients: [
          { host: '10.0.0.0/24', access: 'rw' as const, squash: 'root_squash' as const, sec: ['sys' as const], anonuid: null, anongid: null },
          {
            host: '*.lab.example.com',
            access: 'ro' as const,
            squash: 'all_squash' as const,
            sec: ['krb5p' as const, 'krb5i' as const],
            anonuid: 1000,
            anongid: 100,
          },
        ],
      },
      { path: '/tank/off', enabled: false, comment: '', clients: [] },
    ];
    const text = renderExports(exports);
    expect(text.split('\n')[1]).toBe(
      '/tank/shares/nfs 10.0.0.0/24(rw,root_squash,sec=sys,no_subtree_check) *.lab.example.com(ro,all_squash,sec=krb5p:krb5i,no_subtree_check,anonuid=1000,anongid=100)',
    );
    expect(adoptExports(text)).toEqual({ exports: [exports[0]], ignored: [] });
  });

  test('exportfs -v (nfs-utils 2.6.2)', () => {
    const entries = parseExportEntries(fixture('nfs', 'exportfs-v-nfs-utils-2.6.2.txt'));
    expect(entries.map((e) => e.client)).toEqual(['127.0.0.1', '10.0.0.0/24', '*.example.com']);
    expect(entries[1]!.options).toEqual(expect.arrayContaining(['ro', 'all_squash', 'anonuid=1000']));
    // A long path is printed on its own line, the client on the next.
    expect(parseExportEntries('/tank/a/very/long/path/name\n\t\t10.1.2.3(sync,rw)\n')).toEqual([
      { path: '/tank/a/very/long/path/name', client: '10.1.2.3', options: ['sync', 'rw'] },
    ]);
  });
});

describe('iSCSI', () => {
  test('scst.conf golden files', () => {
    expect(renderScstConf(GOLDEN_TARGETS)).toBe(fixture('scst', 'golden-two-targets.conf'));
    // The iSCSI driver stays enabled with no targets, so SCST accepts logins once targets appear.
    expect(renderScstConf([])).toBe(fixture('scst', 'golden-empty.conf'));
  });

  test('secrets are blanked in drift reports', () => {
    const red = redactScstConf(renderScstConf(GOLDEN_TARGETS));
    expect(red).not.toMatch(/Initiat0rSecret|T4rgetSecret/);
    expect(red).toContain('IncomingUser "esxi [redacted]"');
    expect(lineDiff('a\nb\nc', 'a\nc\nd')).toEqual(['- b', '+ d']);
    // A changed line: its removal, then its addition.
    expect(lineDiff('[s]\n\tread only = no\n', '[s]\n\tread only = yes\n')).toEqual(['- \tread only = no', '+ \tread only = yes']);
    expect(lineDiff('same\n', 'same\n')).toEqual([]);
    // Past 500 changed lines the report says so instead of listing them all.
    const many = (tag: string) => Array.from({ length: 600 }, (_, i) => `${tag} ${i}`).join('\n');
    expect(lineDiff(many('a'), many('b'))).toEqual(['(more than 500 lines differ: too many to list)']);
  });

  test('IQNs per RFC 3720 (and eui./naa.)', () => {
    for (const ok of [
      'iqn.2005-10.org.calypso:vm-store',
      'iqn.1998-01.com.vmware:esx01-3c2b',
      'iqn.2024-01.org.calypso',
      'eui.02004567A425678D',
      'naa.52004567BA64678D',
    ])
      expect(iscsiNameProblem(ok)).toBeNull();
    for (const bad of [
      'iqn.2005-13.org.x:a',
      'iqn.05-10.org.x',
      'IQN.2005-10.org.x:a',
      'iqn.2005-10.Org.x:a',
      'iqn.2005-10.org.x:a b',
      'iqn.2005-10.org.x:a\n',
      'eui.123',
      `iqn.2005-10.org.x:${'a'.repeat(220)}`,
    ]) {
      expect(iscsiNameProblem(bad)).not.toBeNull();
    }
  });

  test('tgtadm show (tgt 1.0.85): LUNs, accounts, ACLs and sessions', () => {
    const [t1, t2] = parseTgtShow(fixture('tgt', 'show-1.0.85-two-targets-chap.txt'));
    expect(t1).toMatchObject({ tid: 1, name: 'iqn.2024-01.org.calypso:t1', accounts: ['chapuser'], outgoingAccounts: ['mutual1'], acl: ['127.0.0.1'] });
    expect(t1!.luns[1]).toMatchObject({ lun: 1, type: 'disk', backingPath: '/tmp/sx/lun1.img', sizeBytes: 67_000_000 });
    expect(t2).toMatchObject({ tid: 2, acl: ['iqn.1993-08.org.debian:01:abc'], accounts: [] });
    const [s] = parseTgtShow(fixture('tgt', 'show-1.0.85-session.txt'));
    expect(s!.sessions).toEqual([{ nexus: 1, initiator: 'iqn.2010-11.libiscsi:iscsi-perf', addresses: ['127.0.0.1'] }]);
  });
});
