/**
 * The renderer of calypso.conf under hostile values: a quote, newline, brace, `@` include or `|`
 * pipe in any value either is refused or stays inside its quoted string, so the structure of the
 * file (resources, directives, includes) is what Calypso meant. The real director reads such a
 * value back intact in test/peers/backup/real-bacula.test.ts (bdirjson).
 */
import fc from 'fast-check';
import { describe, expect, test } from '@jest/globals';
import {
  BaculaConfigValueError,
  quoted,
  renderClient,
  renderDirectorConf,
  renderFileSet,
  renderJob,
  renderJobDefs,
  renderPool,
  renderSchedule,
  runLines,
  type DirectorConf,
} from '../../../src/system/bacula/config.js';
import { Bconsole, consoleValue } from '../../../src/system/bacula/bconsole.js';
import { RecordingHost } from '../../helpers/recording-host.js';

/** The file with every quoted string replaced by "S" and every bare name by N: what the lexer sees as structure. */
function structure(text: string): string {
  return text.replace(/"(?:[^"\\\n]|\\.)*"/g, '"S"').replace(/= [A-Za-z0-9][A-Za-z0-9._:-]*$/gm, '= N');
}

const base: DirectorConf = {
  clients: [
    {
      name: 'web1-fd',
      address: 'web1.example.net',
      port: 9102,
      password: 'p',
      catalog: 'MyCatalog',
      fileRetentionDays: 60,
      jobRetentionDays: 180,
      enabled: true,
    },
  ],
  filesets: [{ name: 'Docs', include: ['/srv/docs'], exclude: ['/srv/docs/tmp'], compression: 'gzip', signature: 'MD5' }],
  schedules: [{ name: 'nightly', runs: [{ level: 'Full', hour: 23, minute: 5, days: ['sun'] }] }],
  pools: [{ name: 'Daily', volumeRetentionDays: 30, maxVolumeBytes: 1024, labelFormat: 'Daily-', recycle: true, autoPrune: true }],
  storages: [],
  jobs: [
    {
      name: 'web1',
      client: 'web1-fd',
      fileset: 'Docs',
      schedule: 'nightly',
      pool: 'Daily',
      storage: 'File1',
      level: 'Incremental',
      priority: 10,
      maxRunSeconds: null,
      enabled: true,
      messages: 'Standard',
    },
  ],
};

describe('renderer', () => {
  test('renders the resources Bacula expects', () => {
    const text = renderDirectorConf(base);
    expect(text).toContain('Client {\n  Name = web1-fd\n  Address = web1.example.net\n  FDPort = 9102');
    expect(text).toContain('    File = "/srv/docs"');
    expect(text).toContain('  Exclude {\n    File = "/srv/docs/tmp"\n  }');
    expect(text).toContain('      compression = GZIP');
    expect(text).toContain('  Run = Level=Full sun at 23:05');
    expect(text).toContain('  Label Format = "Daily-"');
    expect(text).toContain('  Schedule = nightly');
    expect(runLines({ name: 's', runs: [{ level: 'Incremental', hour: 1, minute: 0, days: [] }] })).toEqual(['  Run = Level=Incremental daily at 01:00']);
  });

  const hostile = fc.oneof(
    fc.constantFrom('"', '\\', '\n', '}', '{', '@/etc/passwd', '|/bin/sh', '"; Password = "x', '\\"}\n@/etc/shadow\n{', 'a"b} @/x |y \\'),
    fc.string({ unit: fc.constantFrom('"', '\\', '{', '}', '@', '|', '\n', 'a', ' ', '/', '=', ';', '#') }),
  );

  test('a password, path or address never changes the structure: refused, or kept inside quotes', () => {
    const expected = structure(renderDirectorConf(base));
    fc.assert(
      fc.property(hostile, fc.constantFrom('password', 'include', 'exclude', 'address', 'name', 'labelFormat'), (value, field) => {
        const conf = structuredClone(base);
        if (field === 'password') conf.clients[0]!.password = value;
        if (field === 'include') conf.filesets[0]!.include = [`/srv/${value}`];
        if (field === 'exclude') conf.filesets[0]!.exclude = [`/srv/${value}`];
        if (field === 'address') conf.clients[0]!.address = value;
        if (field === 'name') conf.jobs[0]!.name = value;
        if (field === 'labelFormat') conf.pools[0]!.labelFormat = value;
        let text: string;
        try {
          text = renderDirectorConf(conf);
        } catch (err) {
          expect(err).toBeInstanceOf(BaculaConfigValueError);
          return;
        }
        expect(structure(text)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  test('each resource refuses what would escape it', () => {
    expect(() => quoted('x', 'a\nb')).toThrow(BaculaConfigValueError);
    expect(quoted('x', 'a"b\\')).toBe('"a\\"b\\\\"');
    expect(() => renderFileSet({ ...base.filesets[0]!, include: ['|/bin/sh -c id'] })).toThrow(/absolute path/);
    expect(() => renderFileSet({ ...base.filesets[0]!, include: ['<'.concat('/etc/list')] })).toThrow(/absolute path/);
    expect(() => renderClient({ ...base.clients[0]!, name: 'a"b' })).toThrow(/not a Bacula name/);
    expect(() => renderPool({ ...base.pools[0]!, name: 'x}' })).toThrow(/not a Bacula name/);
    expect(() => renderJob({ ...base.jobs[0]!, client: '@/etc/passwd' })).toThrow(/not a Bacula name/);
    expect(() => renderSchedule({ name: 's', runs: [{ level: 'Full', hour: 24, minute: 0, days: [] }] })).toThrow(/hour/);
  });
});

describe('bconsole driver', () => {
  test('an absolute -c path, the commands on stdin, nothing from the user in argv', async () => {
    const host = new RecordingHost();
    expect(() => new Bconsole(host, { configPath: 'bconsole.conf' })).toThrow(/absolute/);
    // The recording host answers nothing: the driver says it could not talk to the director.
    await expect(new Bconsole(host, { configPath: '/etc/bacula/bconsole.conf' }).one('version')).rejects.toThrow(/could not talk to the director/);
    const call = host.calls.find((c) => c.command === 'bconsole')!;
    expect(call.args).toEqual(['-n', '-c', '/etc/bacula/bconsole.conf']);
  });
  test('a value that could start another command or break quoting is refused before anything runs', async () => {
    for (const v of ['a\nquit', 'a"b', 'a\\b', '', 'x\r']) expect(() => consoleValue(v)).toThrow(/refusing/);
    expect(consoleValue('/srv/my docs/')).toBe('"/srv/my docs/"');
    const host = new RecordingHost();
    await expect(new Bconsole(host, { configPath: '/etc/bacula/bconsole.conf' }).batch(['status dir\nrun job=x yes'])).rejects.toThrow(
      /not one bconsole command line/,
    );
    expect(host.calls.filter((c) => c.command === 'bconsole')).toEqual([]);
  });
});

describe('JobDefs', () => {
  test('a job naming JobDefs leaves out what it takes from them; without JobDefs every field is required', () => {
    const defs = {
      name: 'defaults',
      client: 'web1-fd',
      fileset: null,
      schedule: 'nightly',
      pool: 'Daily',
      storage: 'File1',
      level: 'Full' as const,
      priority: null,
      maxRunSeconds: 3600,
    };
    expect(renderJobDefs(defs, 'Standard')).toBe(
      'JobDefs {\n  Name = defaults\n  Type = Backup\n  Level = Full\n  Client = web1-fd\n  Pool = Daily\n  Storage = File1\n  Schedule = nightly\n  Max Run Time = 3600 seconds\n  Messages = Standard\n}\n',
    );
    const job = { ...base.jobs[0]!, jobDefs: 'defaults', client: null, pool: null, storage: null, level: null, priority: null, schedule: null };
    expect(renderJob(job)).toBe('Job {\n  Name = web1\n  JobDefs = defaults\n  Type = Backup\n  FileSet = Docs\n  Messages = Standard\n  Enabled = yes\n}\n');
    expect(() => renderJob({ ...job, jobDefs: null })).toThrow(/job.client: required when the job names no JobDefs/);
    expect(() => renderJobDefs({ ...defs, pool: 'x"}\n@/etc/passwd' }, 'Standard')).toThrow(BaculaConfigValueError);
    expect(renderDirectorConf({ ...base, jobDefs: [defs], jobs: [job] }).indexOf('JobDefs {')).toBeLessThan(
      renderDirectorConf({ ...base, jobDefs: [defs], jobs: [job] }).indexOf('Job {'),
    );
  });
});
