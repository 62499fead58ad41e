/**
 * A throwaway single-node Ceph with RGW on 127.0.0.1:7480 (test/peers/objects/ceph-rgw-up.sh), for the
 * real-peer tests: started once per test file, stopped in afterAll even when a test failed.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { peersAvailable, waitFor } from '../../helpers/peers.js';

const run = promisify(execFile);

export const RGW_ENDPOINT = 'http://127.0.0.1:7480';
export const RGW_ADMIN = { accessKeyId: 'ADMINACCESSKEY000001', secretKey: 'adminSecretKey000001xxxxxxxxxxxxxxxxxxxx' };

/** Whether Ceph's daemons and tools are installed here (fails under CALYPSO_REQUIRE_PEERS=1 when not). */
export const rgwAvailable = () => peersAvailable(['ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'ceph', 'ceph-authtool', 'monmaptool', 'curl']);

export interface RgwPeer {
  dir: string;
  stop(): Promise<void>;
}

function pids(dir: string): number[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.pid.mine'))
    .map((f) => Number(fs.readFileSync(path.join(dir, f), 'utf8').trim()))
    .filter((p) => Number.isInteger(p) && p > 0);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2]!.startsWith('Z');
  } catch {
    return false;
  }
};

/** Stops the daemons the script started (by the pids it wrote), then removes the directory. */
async function stopPeer(dir: string): Promise<void> {
  const started = pids(dir);
  for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGTERM');
  await waitFor('Ceph daemons to stop', () => started.every((p) => !alive(p)), 30_000).catch(() => {
    for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * Starts Ceph and RGW, and gives the admin user the `admin` flag (which the Admin Ops API cannot
 * set, and without which RGW refuses it other users' bucket settings).
 */
export async function startRgw(): Promise<RgwPeer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-rgw-'));
  try {
    await run('bash', [path.resolve('test/peers/objects/ceph-rgw-up.sh'), dir], { timeout: 180_000 });
    await run('radosgw-admin', ['-c', path.join(dir, 'ceph.conf'), 'user', 'modify', '--uid=admin', '--admin'], { timeout: 60_000 });
  } catch (err) {
    await stopPeer(dir);
    throw err;
  }
  return { dir, stop: () => stopPeer(dir) };
}
