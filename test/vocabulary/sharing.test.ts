/**
 * The sharing tools' grammar (src/vocabulary: smb.conf, the exports file, iSCSI names and CHAP),
 * the one copy that both the contracts and the renderers in src/system check with.
 */
import { describe, expect, test } from '@jest/globals';
import { CHAP_SECRET, CHAP_USER, EUI, IQN, NAA, SCST_NAME, iscsiNameProblem } from '../../src/vocabulary/iscsi.js';
import { NFS_PATH, nfsClientProblem } from '../../src/vocabulary/nfs.js';
import { SMB_RESERVED_SECTIONS, SMB_SHARE_NAME, smbValueProblem } from '../../src/vocabulary/smb.js';

const LINE_BREAK = 'may not contain line breaks or NUL';
const BACKSLASH = 'may not end with a backslash (it would continue onto the next line)';
const SPACES = 'may not start or end with spaces';
const NETGROUP = 'a netgroup is @ followed by letters, digits, _ . -';
const notClient = (h: string) => `${h} is not an address, network, host name or wildcard`;
const NOT_ISCSI = 'not an iSCSI name: use iqn.YYYY-MM.reversed.domain[:identifier] (RFC 3720), eui.<16 hex> or naa.<16 or 32 hex>';
const TOO_LONG = 'an iSCSI name is at most 223 bytes';

describe('smb.conf', () => {
  test.each<[string, string | null]>([
    ['', null],
    ['plain', null],
    [' lead', SPACES],
    ['trail ', SPACES],
    ['a\nb', LINE_BREAK],
    ['a\rb', LINE_BREAK],
    ['a\0b', LINE_BREAK],
    ['ends\\', BACKSLASH],
    ['ends\\  ', BACKSLASH],
    ['mid\\dle', null],
    ['ünïcode', null],
    ['[x]', null],
    ['%U', null],
  ])('value %j: %s', (value, problem) => {
    expect(smbValueProblem(value)).toBe(problem);
  });

  test('share names', () => {
    for (const ok of ['finance', 'Finance Dept', 'backup$', '_x', 'a', 'a.b-c_d', 'x'.repeat(79), `${'x'.repeat(79)}$`])
      expect([ok, SMB_SHARE_NAME.test(ok)]).toEqual([ok, true]);
    for (const bad of ['', ' lead', 'trail ', '.dot', '-dash', '[x]', 'a\\b', 'a\nb', 'a/b', 'x'.repeat(80), '$', 'a$$'])
      expect([bad, SMB_SHARE_NAME.test(bad)]).toEqual([bad, false]);
    expect(SMB_RESERVED_SECTIONS).toEqual(['global', 'homes', 'printers', 'print$', 'ipc$']);
  });
});

describe('exports', () => {
  test.each<[string, string | null]>([
    ['*', null],
    ['@group', null],
    ['@', NETGROUP],
    ['@bad group', NETGROUP],
    ['10.0.0.1', null],
    ['10.0.0.0/24', null],
    ['10.0.0.0/33', '/33 is not a prefix length for IPv4'],
    ['10.0.0.0/x', '/x is not a prefix length for IPv4'],
    ['fd00::/64', null],
    ['fd00::/129', '/129 is not a prefix length for IPv6'],
    ['::1', null],
    ['999.1.1.1', '999.1.1.1 is not a valid IPv4 address'],
    ['1.2.3', '1.2.3 is not a valid IPv4 address'],
    ['host.example.com', null],
    ['*.example.com', null],
    ['host?', null],
    ['-bad', notClient('-bad')],
    ['bad_host', notClient('bad_host')],
    ['a'.repeat(63), null],
    ['a'.repeat(64), notClient('a'.repeat(64))],
    [`${'a.'.repeat(126)}a`, null],
    [`${'a.'.repeat(127)}a`, notClient(`${'a.'.repeat(127)}a`)],
    [`${'a.'.repeat(127)}ab`, notClient(`${'a.'.repeat(127)}ab`)],
    ['x/24', 'x is not an IP address'],
    ['ALL', null],
    ['', notClient('')],
  ])('client %j: %s', (host, problem) => {
    expect(nfsClientProblem(host)).toBe(problem);
  });

  test('paths', () => {
    for (const ok of ['/', '/tank/shares/finance', '/a_b/c.d/e@f/g+h/i-j']) expect([ok, NFS_PATH.test(ok)]).toEqual([ok, true]);
    for (const bad of ['', 'tank', '/with space', '/tab\there', '/new\nline', '/quote"', '/hash#', '/back\\slash', '/ünï'])
      expect([bad, NFS_PATH.test(bad)]).toEqual([bad, false]);
  });
});

describe('iSCSI', () => {
  test.each<[string, string | null]>([
    ['iqn.2005-10.org.calypso:vm-store', null],
    ['IQN.2005-10.org.calypso:x', 'an iqn. name is lower case'],
    ['iqn.2005-10.Org.calypso', 'an iqn. name is lower case'],
    ['iqn.2005-13.org.x', NOT_ISCSI],
    ['eui.0123456789ABCDEF', null],
    ['eui.0123456789abcdef', NOT_ISCSI],
    ['naa.0123456789ABCDEF0123456789ABCDEF', null],
    ['naa.0123', NOT_ISCSI],
    ['target', NOT_ISCSI],
    ['', NOT_ISCSI],
    [`iqn.2005-10.org.x:${'a'.repeat(205)}`, null],
    [`iqn.2005-10.org.x:${'a'.repeat(206)}`, TOO_LONG],
    [`iqn.2005-10.org.x:${'a'.repeat(210)}`, TOO_LONG],
    // Bytes, not characters: 110 two-byte letters, and 70 lone surrogates (3 bytes each, as U+FFFD).
    [`iqn.2005-10.org.x:${'é'.repeat(110)}`, TOO_LONG],
    [`iqn.2005-10.org.x:${'\ud800'.repeat(70)}`, TOO_LONG],
  ])('name %j: %s', (name, problem) => {
    expect(iscsiNameProblem(name)).toBe(problem);
  });

  test('name forms', () => {
    expect(IQN.test('iqn.1998-01.com.vmware:esx01-3c2b')).toBe(true);
    expect(IQN.test('iqn.2005-10.org.x:a b')).toBe(false);
    expect(EUI.test('eui.02004567A425678D')).toBe(true);
    expect(EUI.test('eui.123')).toBe(false);
    expect(NAA.test('naa.52004567BA64678D')).toBe(true);
    expect(NAA.test(`naa.${'A'.repeat(24)}`)).toBe(false);
  });

  test('CHAP and SCST names', () => {
    for (const ok of ['Secret123456', 'x'.repeat(16), 'a!#$%&()*+,./:;', '<=>?@^_|~-abcdef']) expect([ok, CHAP_SECRET.test(ok)]).toEqual([ok, true]);
    for (const bad of [
      'short',
      'x'.repeat(11),
      'x'.repeat(17),
      'has space 12345',
      'quote"12345678',
      "quote'12345678",
      'back\\slash1234',
      'brace{12345678',
      'tick`123456789',
    ])
      expect([bad, CHAP_SECRET.test(bad)]).toEqual([bad, false]);
    for (const ok of ['esxi', 'user@example.com', 'a.b_c:d-e', 'u'.repeat(64)]) expect([ok, CHAP_USER.test(ok)]).toEqual([ok, true]);
    for (const bad of ['', 'u'.repeat(65), 'with space', 'quote"', 'new\nline']) expect([bad, CHAP_USER.test(bad)]).toEqual([bad, false]);
    for (const ok of ['lun0', 'group_1', 'a.b-c', 'n'.repeat(50)]) expect([ok, SCST_NAME.test(ok)]).toEqual([ok, true]);
    for (const bad of ['', 'n'.repeat(51), 'with space', 'a/b', 'a:b']) expect([bad, SCST_NAME.test(bad)]).toEqual([bad, false]);
  });
});
