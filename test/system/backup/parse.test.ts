/** The bconsole parsers on answers captured from Bacula 9.6.7 (test/fixtures/bacula/README.md). */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import {
  answerLines,
  parseBvfsList,
  parseClientStatus,
  parseDirectorStatus,
  parseJobIdList,
  parseJobLog,
  parseJobs,
  parseNameList,
  parseQueuedJobId,
  parseRunningDetails,
  parseVolumes,
  trailingPrompt,
} from '../../../src/system/bacula/parse.js';

const fixture = (name: string) => fs.readFileSync(path.join(import.meta.dirname, '../../fixtures/bacula', name), 'utf8');

describe('parseJobs', () => {
  const expected = [
    { jobId: 1, name: 'BackupTest', type: 'B', level: 'F', status: 'T', files: 9, bytes: 100013, startTime: '2026-11-30 06:41:07' },
    { jobId: 2, name: 'BackupTest', type: 'B', level: 'I', status: 'T', files: 1, bytes: 22, startTime: '2026-11-30 06:41:21' },
  ];
  test('list jobs (ASCII table) and llist jobs (records) give the same jobs', () => {
    expect(parseJobs(fixture('list-jobs.txt'))).toEqual(expected);
    expect(parseJobs(fixture('llist-jobs.txt'))).toEqual(expected);
  });
  test('a cancelled job, a restore, a running one', () => {
    const jobs = parseJobs(fixture('list-jobs-with-cancel.txt'));
    expect(jobs.map((j) => [j.jobId, j.type, j.level, j.status])).toEqual([
      [1, 'B', 'F', 'T'],
      [2, 'B', 'I', 'T'],
      [3, 'R', 'F', 'T'],
      [4, 'B', 'F', 'A'],
    ]);
    expect(parseJobs(fixture('list-jobs-running.txt'))).toEqual([
      { jobId: 1, name: 'BackupTest', type: 'B', level: 'F', status: 'R', files: 0, bytes: 0, startTime: '2026-11-30 06:41:07' },
    ]);
    expect(parseJobs(fixture('llist-jobid-cancelled.txt'))).toEqual([
      { jobId: 4, name: 'SlowJob', type: 'B', level: 'F', status: 'A', files: 0, bytes: 0, startTime: '2026-11-30 06:41:50' },
    ]);
  });
  test('the lines bconsole adds are never data', () => {
    expect(parseJobs('Connecting to Director 127.0.0.1:19101\nUsing Catalog "MyCatalog"\nYou have messages.\n')).toEqual([]);
    expect(answerLines(fixture('list-jobs.txt'), 'list jobs').some((l) => /Catalog|messages|Connecting/.test(l))).toBe(false);
  });
});

describe('parseVolumes', () => {
  test('list volumes and llist volumes, with pools from the headings', () => {
    const one = { mediaId: 1, name: 'Vol-0001', status: 'Append', pool: 'Default', mediaType: 'File', lastWritten: '2026-11-30 06:41:22' };
    expect(parseVolumes(fixture('list-volumes.txt'))).toEqual([{ ...one, bytes: 102406 }]);
    expect(parseVolumes(fixture('llist-volumes.txt'))).toEqual([{ ...one, bytes: 102406 }]);
    const two = parseVolumes(fixture('list-volumes-two-pools.txt'));
    expect(two.map((v) => [v.name, v.pool, v.status, v.lastWritten])).toEqual([
      ['Vol-0001', 'Default', 'Append', '2026-11-30 06:41:22'],
      ['Vol-0002', 'Scratch', 'Full', null],
    ]);
    expect(parseVolumes(fixture('llist-volumes-two-pools.txt')).map((v) => [v.name, v.pool])).toEqual([
      ['Vol-0001', 'Default'],
      ['Vol-0002', 'Scratch'],
    ]);
  });
  test('no Pool: heading means no pool', () => {
    expect(parseVolumes(fixture('list-volumes-pool.txt'))).toEqual([
      { mediaId: 2, name: 'Vol-0002', status: 'Full', bytes: 215, pool: null, mediaType: 'File', lastWritten: null },
    ]);
    expect(parseVolumes(fixture('llist-volume-one.txt'))[0]).toMatchObject({ name: 'Vol-0002', status: 'Read-Only', pool: null });
  });
});

describe('parseDirectorStatus', () => {
  test('a job waiting for a volume', () => {
    const s = parseDirectorStatus(fixture('api2-status-dir-waiting-volume.txt'));
    expect(s).toEqual({
      name: 'calypso-dir',
      version: '9.6.7 (10 December 2020)',
      running: [{ jobId: 1, name: 'BackupTest', type: 'B', level: 'F', status: 'm', files: 0, bytes: 0, startTime: '2026-11-30 06:41:07' }],
      terminated: [],
    });
    expect(parseRunningDetails(fixture('api2-status-dir-waiting-volume.txt'))).toEqual([
      { jobId: 1, statusText: 'is waiting for an appendable Volume', client: 'calypso-fd', storage: 'File1' },
    ]);
  });
  test('terminated jobs take their name from the unique job name', () => {
    const s = parseDirectorStatus(fixture('api2-status-dir-running.txt'));
    expect(s.running.map((j) => [j.jobId, j.name, j.status])).toEqual([[4, 'SlowJob', 'R']]);
    expect(s.terminated).toEqual([
      { jobId: 1, name: 'BackupTest', type: 'B', level: 'F', status: 'T', files: 9, bytes: 100013, startTime: '2026-11-30 06:41:07' },
      { jobId: 2, name: 'BackupTest', type: 'B', level: 'I', status: 'T', files: 1, bytes: 22, startTime: '2026-11-30 06:41:21' },
      { jobId: 3, name: 'RestoreFiles', type: 'R', level: '', status: 'T', files: 1, bytes: 22, startTime: '2026-11-30 06:41:34' },
    ]);
    expect(parseDirectorStatus(fixture('api2-status-dir-terminated.txt')).running).toEqual([]);
  });
  test('a job waiting on its client', () => {
    expect(parseRunningDetails(fixture('api2-status-dir-client-unreachable.txt'))).toEqual([
      { jobId: 5, statusText: 'is waiting on Client offline-fd', client: 'offline-fd', storage: 'File1' },
    ]);
  });
  test('the plain status dir answer is refused, not misread', () => {
    expect(() => parseDirectorStatus(fixture('status-dir-terminated.txt'))).toThrow(/api 2/);
  });
});

describe('other answers', () => {
  test('status client: reachable with live counters, or not', () => {
    expect(parseClientStatus(fixture('status-client-running.txt'))).toEqual({
      reachable: true,
      version: '9.6.7',
      running: [{ jobId: 4, files: 1, bytes: 4000000, bytesPerSecond: 1000000, currentFile: '/tmp/bfix/fifo1' }],
      error: null,
    });
    expect(parseClientStatus(fixture('status-client.txt'))).toMatchObject({ reachable: true, running: [] });
    expect(parseClientStatus(fixture('status-client-unreachable.txt'))).toEqual({
      reachable: false,
      version: null,
      running: [],
      error: 'Failed to connect to Client offline-fd.',
    });
  });
  test('name lists, queued job ids, prompts', () => {
    expect(parseNameList(fixture('dot-jobs-backup.txt'))).toEqual(['BackupTest']);
    expect(parseQueuedJobId(fixture('run-incremental.txt'))).toBe(2);
    expect(parseQueuedJobId(fixture('restore-run.txt'))).toBe(3);
    expect(trailingPrompt(fixture('run-unknown-job.txt'))).toBe('Select Job resource (1-3):');
    expect(trailingPrompt(fixture('label-duplicate.txt'))).toBe('Enter new Volume name:');
    expect(trailingPrompt(fixture('label-volume.txt'))).toBeNull();
  });
  test('llist joblog: one entry per message, multi-line reports kept whole', () => {
    const log = parseJobLog(fixture('llist-joblog.txt'));
    expect(log[0]).toEqual({ at: '2026-11-30 06:41:21', text: 'calypso-dir JobId 2: Start Backup JobId 2, Job=BackupTest.2026-11-30_06.41.19_15' });
    const report = log.find((e) => e.text.includes('Termination:'))!;
    expect(report.text).toMatch(/Backup Level: +Incremental/);
    expect(report.text).toMatch(/Termination: +Backup OK$/);
    expect(log.length).toBeGreaterThanOrEqual(8);
    const failed = parseJobLog(fixture('llist-joblog-client-unreachable.txt'));
    expect(failed.some((e) => /Could not connect to Client: offline-fd/.test(e.text))).toBe(true);
  });
  test('BVFS listings decode names, sizes and times', () => {
    const dirs = parseBvfsList(fixture('bvfs-lsdirs-data.txt'), 'dirs');
    expect(dirs).toEqual([{ pathId: 2, filenameId: 0, fileId: 5, jobId: 1, name: 'sub/', isDir: true, sizeBytes: 4096, mtime: expect.any(Number) }]);
    const files = parseBvfsList(fixture('bvfs-lsfiles-data.txt'), 'files');
    expect(files.map((f) => [f.name, f.sizeBytes, f.jobId, f.fileId])).toEqual([
      ['file1.bin', 20000, 1, 8],
      ['file2.bin', 20000, 1, 6],
      ['file3.bin', 20000, 1, 7],
      ['file4.bin', 20000, 1, 2],
      ['file5.bin', 20000, 1, 3],
      ['readme.txt', 22, 2, 10],
    ]);
    expect(files[0]!.mtime).toBeGreaterThan(1_700_000_000);
    expect(parseBvfsList(fixture('bvfs-lsdirs-slash.txt'), 'dirs').map((d) => d.name)).toEqual(['tmp/']);
    expect(parseJobIdList(fixture('bvfs-get-jobids.txt'))).toEqual([1, 2]);
  });
});
