import { expect, test } from '@jest/globals';
import { HostCommandError } from '../../../src/system/host.js';
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
