import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { DiskAdapter, diskUsage, parseLsblk, parseSmartctl } from '../../../src/system/disks/index.js';
import { SimulatedHost } from '../../../src/system/sim/index.js';
import { ZfsAdapter } from '../../../src/system/zfs/index.js';

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/disks/${name}`, import.meta.url), 'utf8');

describe('disk parsers', () => {
  test('lsblk -J -b -O (util-linux 2.38.1, real capture)', () => {
    const devices = parseLsblk(fixture('lsblk-2.38.1-vm.json'));
    const vda = devices.find((d) => d.name === 'vda')!;
    expect(vda).toMatchObject({ path: '/dev/vda', type: 'disk', sizeBytes: 274877906944 });
    expect(typeof vda.rotational).toBe('boolean');
  });

  test('smartctl -j: ATA, NVMe and an unknown device', () => {
    expect(parseSmartctl(fixture('smartctl-7.3-ata.json'))).toMatchObject({
      protocol: 'ATA',
      model: 'WDC WD40EFRX-68N32N0',
      health: 'PASSED',
      capacityBytes: 4000787030016,
      rotationRate: 5400,
    });
    const nvme = parseSmartctl(fixture('smartctl-7.3-nvme.json'));
    expect(nvme).toMatchObject({ protocol: 'NVMe', health: 'PASSED', temperatureC: 41, powerOnHours: 3011 });
    const unknown = parseSmartctl(fixture('smartctl-7.3-unknown-device.json'));
    expect(unknown).toMatchObject({ health: 'UNKNOWN', exitStatus: 1, messages: ['/dev/vda: Unable to detect device type'] });
  });
});

describe('DiskAdapter on the simulated host', () => {
  test('inventory with SMART, and which pool uses which disk', async () => {
    const host = new SimulatedHost();
    const disks = await new DiskAdapter(host).list();
    expect(disks.length).toBeGreaterThanOrEqual(12);
    const sda = disks.find((d) => d.name === 'sda')!;
    expect(sda).toMatchObject({ type: 'hdd', sizeBytes: 4000787030016, smartHealth: 'PASSED', partitions: ['sda1', 'sda9'] });
    expect(sda.temperatureC).toBeGreaterThan(20);
    expect(disks.find((d) => d.name === 'nvme0n1')!.type).toBe('nvme');
    expect(disks.find((d) => d.name === 'sdk')!.type).toBe('ssd');

    const zfs = new ZfsAdapter(host);
    await zfs.createPool({ name: 'fast', vdevs: [{ type: 'mirror', disks: ['/dev/disk/by-id/ata-SAMSUNG_MZ7LH960HAJR-00005_S45NNE0M602123', 'sdl'] }] });
    await host.faultDisk('sdc', 'removed');
    const usage = diskUsage(disks, await zfs.poolStatus());
    expect(usage.get('sda')).toEqual({ pool: 'tank', section: 'data', vdev: 'raidz2-0', state: 'ONLINE' });
    expect(usage.get('sdc')).toMatchObject({ pool: 'tank', state: 'UNAVAIL' });
    expect(usage.get('sdk')).toMatchObject({ pool: 'fast', vdev: 'mirror-0' });
    expect(usage.get('sdl')).toMatchObject({ pool: 'fast' });
    expect(usage.has('sdg')).toBe(false);
    const failing = (await new DiskAdapter(host).list()).find((d) => d.name === 'sdc')!;
    expect(failing.smartHealth).toBe('FAILED');
  });
});
