/**
 * Selection-based storage actions (issue 17): a device selected in a pool's vdev tree is taken
 * offline, brought online, cleared or replaced; a disk selected on the Disks tab gets a SMART
 * self-test or, where nothing uses it, a wipe. Actions that lose redundancy or data ask for the
 * device's name to be typed, as every dangerous action does.
 */
import { useState } from 'react';
import { ConfirmDialog } from '../components/Dialogs.js';
import { errorMessage } from '../../contracts/errors.js';
import type { Disk, DiskDetail, PoolDetail, Vdev } from '../../contracts/storage.js';
import type { ShellApi } from '../context.js';
import type { KeyBinding } from '../keys.js';
import { pad } from '../format.js';

/** What the device list needs of a pool: its vdev sections and the disks under its devices. */
type PoolDevices = Pick<PoolDetail, 'vdevs' | 'logs' | 'cache' | 'spares' | 'special' | 'dedup' | 'deviceDisks'>;

/** A leaf of the vdev tree: what zpool calls it, the section it is in, and the disk under it. */
export interface DeviceLeaf {
  name: string;
  state: string;
  section: string;
  disk: string | null;
  read: number;
  write: number;
  checksum: number;
}

export function deviceLeaves(d: PoolDevices): DeviceLeaf[] {
  const out: DeviceLeaf[] = [];
  const walk = (vs: Vdev[], section: string) => {
    for (const v of vs) {
      if (v.children.length) walk(v.children, section);
      else out.push({ name: v.name, state: v.state, section, disk: d.deviceDisks[v.name] ?? null, read: v.read, write: v.write, checksum: v.checksum });
    }
  };
  for (const [section, vs] of [
    ['data', d.vdevs],
    ['logs', d.logs],
    ['cache', d.cache],
    ['spares', d.spares],
    ['special', d.special],
    ['dedup', d.dedup],
  ] as const)
    walk(vs, section);
  return out;
}

/** How a device is shown: the stable name as zpool status prints it, with the short disk name beside it. */
export function deviceLabel(name: string, disk: string | null | undefined): string {
  if (!disk) return name;
  const short = name.replace(/^\/dev\/disk\/by-[a-z]+\//, '').replace(/-part\d+$/, '');
  return `${short} (${disk})`;
}

/** The typed-confirmation dialog for an operation that takes no `confirm` itself. */
export function typedConfirm(
  shell: ShellApi,
  spec: { title: string; target: string; verb: string; details?: string[]; run: () => Promise<unknown>; success: string; onDone?: () => void },
): void {
  shell.openPanel((close) => (
    <ConfirmDialog
      title={spec.title}
      target={spec.target}
      verb={spec.verb}
      details={spec.details}
      width={shell.width}
      theme={shell.theme}
      run={() => spec.run()}
      onDone={() => {
        close();
        shell.toast(spec.success);
        spec.onDone?.();
      }}
      onCancel={close}
    />
  ));
}

/**
 * Device mode of the Pools tab: `v` selects devices in the vdev tree, ↑↓ move among leaf devices,
 * Esc goes back to the pool list.
 */
export function useDeviceSelection(): { on: boolean; index: number; setOn: (on: boolean) => void; move: (delta: number, count: number) => void } {
  const [on, setOn] = useState(false);
  const [index, setIndex] = useState(0);
  return {
    on,
    index,
    setOn: (v) => {
      setOn(v);
      if (v) setIndex(0);
    },
    move: (delta, count) => setIndex((i) => Math.max(0, Math.min(count - 1, i + delta))),
  };
}

export function deviceBindings(
  shell: ShellApi,
  pool: string,
  devices: DeviceLeaf[],
  sel: ReturnType<typeof useDeviceSelection>,
  reload: () => void,
): KeyBinding[] {
  const leaf = devices[Math.min(sel.index, devices.length - 1)];
  const back: KeyBinding = { key: 'escape', description: 'Back to pools', priority: 2, action: () => sel.setOn(false) };
  if (!leaf) return [back];
  const label = deviceLabel(leaf.name, leaf.disk);
  // What the user types to confirm: the disk's short name (sdc), or the device without /dev/.
  const typed = leaf.disk ?? leaf.name.replace(/^\/dev\//, '');
  const input = { pool, device: leaf.name };
  const act = (operation: 'storage.devices.online' | 'storage.devices.clear', success: string) =>
    void shell.act(operation, input, { success: () => success }).then(reload);
  const offline = leaf.state === 'OFFLINE';
  return [
    { key: 'down', aliases: ['j'], description: 'Next device', hint: false, action: () => sel.move(1, devices.length) },
    { key: 'up', aliases: ['k'], description: 'Previous device', hint: false, action: () => sel.move(-1, devices.length) },
    offline
      ? { key: 'o', description: 'Online', operation: 'storage.devices.online', action: () => act('storage.devices.online', `${label} is online in ${pool}`) }
      : {
          key: 'o',
          description: 'Offline',
          operation: 'storage.devices.offline',
          disabledReason: leaf.section === 'spares' ? 'a spare is not in use: nothing to take offline' : undefined,
          action: () =>
            typedConfirm(shell, {
              title: `Take ${label} offline in ${pool}`,
              target: typed,
              verb: 'offline',
              details: [`${pool} loses this device's redundancy until it is back online; a pool without redundancy left stops.`],
              run: () => shell.run('storage.devices.offline', input),
              success: `${label} is offline in ${pool}`,
              onDone: reload,
            }),
        },
    {
      key: 'C',
      description: 'Clear errors',
      operation: 'storage.devices.clear',
      action: () => act('storage.devices.clear', `Cleared the errors of ${label} in ${pool}`),
    },
    {
      key: 'R',
      description: 'Replace',
      operation: 'storage.devices.replace',
      action: () =>
        void shell.call('storage.disks.list', { limit: 1000, free: 'true' }).then(
          (free) => {
            const names = free.items.map((d) => d.name);
            shell.prompt({
              label: `Replace ${label} with (${names.length ? `free: ${names.slice(0, 6).join(' ')}${names.length > 6 ? ' ...' : ''}` : 'no free disk'}; blank: a new disk in its slot): `,
              onSubmit: (value) => {
                const newDevice = value.trim();
                if (newDevice && !names.includes(newDevice))
                  return shell.toast(`${newDevice} is not a free disk (free: ${names.join(', ') || 'none'})`, 'error');
                typedConfirm(shell, {
                  title: `Replace ${label} in ${pool}${newDevice ? ` with ${newDevice}` : ''}`,
                  target: typed,
                  verb: 'replace',
                  details: [
                    newDevice
                      ? `Everything on ${newDevice} is overwritten; ${pool} resilvers onto it.`
                      : `${pool} resilvers onto the disk now in ${label}'s place.`,
                  ],
                  run: () => shell.run('storage.devices.replace', newDevice ? { ...input, newDevice } : input),
                  success: `Replacing ${label} in ${pool}${newDevice ? ` with ${newDevice}` : ''}: resilver started`,
                  onDone: reload,
                });
              },
            });
          },
          (err) => shell.toast(errorMessage(err), 'error'),
        ),
    },
    back,
  ];
}

/** A disk's SMART self-tests for its detail view. */
export function diskDetailLines(d: DiskDetail): string[] {
  return [
    `${pad('disk', 14)} ${d.name}  ${d.stablePath ?? d.path}`,
    `${pad('model', 14)} ${d.model ?? '-'}  serial ${d.serial ?? '-'}`,
    `${pad('SMART health', 14)} ${d.smartHealth}`,
    `${pad('in use', 14)} ${d.pool ? `pool ${d.pool}` : 'no'}`,
    '',
    `SMART self-tests${d.selfTestRunning ? ` (running: ${d.selfTestRunning.text})` : ''}`,
    ...(d.selfTests.length
      ? d.selfTests.map(
          (t) =>
            `  ${pad(t.type, 18)} ${pad(t.status, 28)} ${t.lifetimeSeconds === null ? '' : `at ${Math.round(t.lifetimeSeconds / 3600)} h`}${t.lba !== null ? `  first error at LBA ${t.lba}` : ''}`,
        )
      : ['  none yet (t starts a short test, T a long one)']),
  ];
}

export function diskBindings(shell: ShellApi, disk: Disk | undefined, reload: () => void): KeyBinding[] {
  if (!disk) return [];
  const showDetail = () =>
    void shell.call('storage.disks.get', { name: disk.name }).then(
      (d) => shell.showText(`Disk ${d.name}`, diskDetailLines(d)),
      (err) => shell.toast(errorMessage(err), 'error'),
    );
  const test = (type: 'short' | 'long') =>
    void shell
      .act(
        'storage.disks.smart-test',
        { name: disk.name, type },
        {
          success: (d) =>
            `${type === 'short' ? 'Short' : 'Long'} SMART test started on ${disk.name}${d.selfTestRunning?.remainingPercent != null ? ` (${d.selfTestRunning.remainingPercent}% to go)` : ''}`,
        },
      )
      .then(reload);
  return [
    { key: 'enter', description: 'Details', operation: 'storage.disks.get', action: showDetail },
    { key: 't', description: 'SMART short test', operation: 'storage.disks.smart-test', action: () => test('short') },
    { key: 'T', description: 'SMART long test', operation: 'storage.disks.smart-test', hint: false, action: () => test('long') },
    {
      key: 'W',
      description: 'Wipe',
      operation: 'storage.disks.wipe',
      disabledReason: disk.inUse ? `${disk.name} is in pool ${disk.pool}` : undefined,
      action: () =>
        shell.confirm({
          operation: 'storage.disks.wipe',
          input: { name: disk.name },
          verb: 'wipe',
          details: [`Its partition table and every filesystem or pool label on ${disk.name} are erased (wipefs -a): whatever was on it cannot be found again.`],
          success: (r) => `Wiped ${disk.name}: ${r.erased.length} signatures erased`,
          onDone: reload,
        }),
    },
  ];
}
