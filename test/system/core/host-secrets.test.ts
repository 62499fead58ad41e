import { expect, test } from '@jest/globals';
import pino from 'pino';
import { publicMessage } from '../../../src/services/core/errors.js';
import { HostCommandError, STDOUT_TAIL_CHARS } from '../../../src/system/host.js';
import { ToolRefusal } from '../../../src/system/tool-refusal.js';
import { LocalHost } from '../../../src/system/local-host.js';
import { SimulatedHost } from '../../../src/system/sim/simulated-host.js';

test('a secret passed as an argument stays out of the command history and the error', async () => {
  const local = new LocalHost();
  await local.run('echo', ['--password', 'hunter2-secret-value'], { secrets: ['hunter2-secret-value'] });
  expect(local.history().at(-1)!.args).toEqual(['--password', '[redacted]']);
  const failed = await local.run('false', ['hunter2-secret-value'], { secrets: ['hunter2-secret-value'] }).catch((e: unknown) => e);
  expect(failed).toBeInstanceOf(HostCommandError);
  expect(JSON.stringify((failed as HostCommandError).args) + (failed as Error).message).not.toContain('hunter2');

  const sim = new SimulatedHost();
  await sim
    .run('tgtadm', ['--lld', 'iscsi', '--mode', 'account', '--op', 'new', '--user', 'u1', '--password', 'hunter2-secret-value'], {
      secrets: ['hunter2-secret-value'],
    })
    .catch(() => undefined);
  expect(JSON.stringify(sim.history())).not.toContain('hunter2');
});

/** A command that prints `pad` characters then OUT (from its environment, not its arguments) on standard output, and fails. */
const failing = (pad: number): [string, string[]] => [process.execPath, ['-e', `process.stdout.write('x'.repeat(${pad}) + process.env.OUT); process.exit(3)`]];

test('a failed command keeps the end of its standard output (bounded, secrets replaced), never shown in its message, logs or JSON', async () => {
  const local = new LocalHost();
  const opts = {
    secrets: ['hunter2-secret-value'],
    env: { OUT: '\nDirector authorization problem: secret hunter2-secret-value in a config line\nREASON-ON-STDOUT, last\n' },
  };
  for (const how of ['run', 'runLines'] as const) {
    const [cmd, args] = failing(10_000);
    const attempt = how === 'run' ? local.run(cmd, args, opts) : local.runLines(cmd, args, () => undefined, opts);
    const err = (await attempt.catch((e: unknown) => e)) as HostCommandError;
    expect(err).toBeInstanceOf(HostCommandError);
    expect({ how, code: err.code, length: err.stdout.length }).toEqual({ how, code: 3, length: STDOUT_TAIL_CHARS });
    expect(err.stdout.endsWith('in a config line\nREASON-ON-STDOUT, last\n')).toBe(true);
    expect(err.stdout).toContain('secret [redacted] in');
    expect(err.stdout).not.toContain('hunter2');
    // Not shown: the message, the public answer, the logger's serializer (which copies enumerable fields) and JSON.
    expect(err.message).not.toContain('REASON');
    expect(publicMessage(err)).not.toContain('REASON');
    expect(JSON.stringify(pino.stdSerializers.err(err))).not.toContain('REASON');
    expect(JSON.stringify(err)).not.toContain('REASON');
    expect(Object.keys(err)).not.toContain('stdout');
  }
  // A secret across the cut is replaced before the cut: no piece of it is left.
  const [cmd, args] = failing(0);
  const edge = { secrets: ['hunter2-secret-value'], env: { OUT: `hunter2-secret-value${'y'.repeat(STDOUT_TAIL_CHARS - 5)}` } };
  const cut = (await local.run(cmd, args, edge).catch((e: unknown) => e)) as HostCommandError;
  expect(cut.stdout).toBe(`cted]${'y'.repeat(STDOUT_TAIL_CHARS - 5)}`);
  // Short output is kept whole; a refusal made from the error keeps it too.
  const short = (await local.run(cmd, args, { env: { OUT: 'REASON-ON-STDOUT\n' } }).catch((e: unknown) => e)) as HostCommandError;
  expect(short.stdout).toBe('REASON-ON-STDOUT\n');
  expect(new ToolRefusal(short, 'REASON-ON-STDOUT', 'conflict').stdout).toBe('REASON-ON-STDOUT\n');
});

test('the simulated appliance keeps a failed command’s standard output the same way', async () => {
  // smartctl prints its refusals on stdout (exit 1, its banner and the reason).
  const sim = new SimulatedHost();
  const err = (await sim.run('smartctl', ['--bogus']).catch((e: unknown) => e)) as HostCommandError;
  expect(err).toBeInstanceOf(HostCommandError);
  expect(err.stdout).toMatch(/UNRECOGNIZED OPTION: bogus/);
  expect(Object.keys(err)).not.toContain('stdout');
});
