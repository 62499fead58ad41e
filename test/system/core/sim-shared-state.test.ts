import { expect, test } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SimulatedHost } from '../../../src/system/sim/simulated-host.js';
import { ZfsAdapter } from '../../../src/system/zfs/index.js';

test('a change made by another process (calypso sim ...) is seen by a running host', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-sim-'));
  try {
    // The running host's clock moves only when the test moves it (its listings' cache follows it).
    let at = Date.now();
    const running = new SimulatedHost({ dataDir, now: () => at });
    const zfs = new ZfsAdapter(running);
    expect((await zfs.listPools())[0].health).toBe('ONLINE');
    const disk = (await new SimulatedHost({ dataDir }).snapshotModel()).disks[0].name;
    // The CLI is a second process with its own host on the same data directory.
    await new SimulatedHost({ dataDir }).faultDisk(disk);
    // Listings are cached for a second (ZfsAdapter): within it the old answer stands; another process's change shows after it.
    expect((await zfs.listPools())[0].health).toBe('ONLINE');
    at += 1100;
    expect((await zfs.listPools())[0].health).toBe('DEGRADED');
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
