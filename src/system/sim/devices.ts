import type { RunResult } from '../host.js';
import { getopt, ok, ToolExit } from './common.js';
import type { SimDisk, SimModel, SimPool, SimSelfTest } from './model.js';
import { leaves } from './state.js';

const ZFS_PARTTYPE = '6a898cc3-1dd2-11b2-99a6-080020736631';
const RESERVED_PARTTYPE = '6a945a3b-1dd2-11b2-99a6-080020736631';
const SECTOR = 512;
const RESERVED_BYTES = 8 * 1024 * 1024;

function owningPool(model: SimModel, disk: string): SimPool | null {
  for (const p of model.pools) {
    if ([...leaves([...p.vdevs, ...p.logs, ...p.special, ...p.dedup, ...p.cache, ...p.spares])].some((l) => l.disk === disk)) return p;
  }
  return null;
}

function hexId(text: string, len: number): string {
  let h = 0x811c9dc5;
  let out = '';
  while (out.length < len) {
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
    out += (h >>> 0).toString(16).padStart(8, '0');
  }
  return out.slice(0, len);
}

function uuid(text: string): string {
  const h = hexId(text, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

type Row = Record<string, unknown>;

/** One lsblk -O row with util-linux 2.38's keys in its order. */
function row(fields: Partial<Row> & { name: string; size: number; type: string }, full: boolean): Row {
  const path = `/dev/${fields.name}`;
  return {
    alignment: 0,
    'disc-aln': 0,
    dax: false,
    'disc-gran': fields['rota'] ? 0 : 512,
    'disc-max': fields['rota'] ? 0 : 2147450880,
    'disc-zero': false,
    fsavail: null,
    fsroots: [null],
    fssize: null,
    fstype: null,
    fsused: null,
    'fsuse%': null,
    fsver: null,
    group: 'disk',
    hctl: null,
    hotplug: false,
    kname: fields.name,
    label: null,
    'log-sec': 512,
    'maj:min': '8:0',
    'min-io': 4096,
    mode: 'brw-rw----',
    model: null,
    name: full ? path : fields.name,
    'opt-io': 0,
    owner: 'root',
    partflags: null,
    partlabel: null,
    parttype: null,
    parttypename: null,
    partuuid: null,
    path,
    'phy-sec': 4096,
    pkname: null,
    pttype: null,
    ptuuid: null,
    ra: 128,
    rand: true,
    rev: null,
    rm: false,
    ro: false,
    rota: false,
    'rq-size': 256,
    sched: 'mq-deadline',
    serial: null,
    size: fields.size,
    start: null,
    state: null,
    subsystems: 'block:scsi:pci',
    mountpoint: null,
    mountpoints: [null],
    tran: null,
    type: fields.type,
    uuid: null,
    vendor: null,
    wsame: 0,
    wwn: null,
    zoned: 'none',
    'zone-sz': 0,
    'zone-wgran': 0,
    'zone-app': 0,
    'zone-nr': 0,
    'zone-omax': 0,
    'zone-amax': 0,
    ...Object.fromEntries(Object.entries(fields).filter(([k]) => k !== 'name')),
  };
}

function diskRows(model: SimModel, d: SimDisk, index: number, withChildren: boolean, full: boolean): Row {
  const isNvme = d.tran === 'nvme';
  const major = isNvme ? 259 : 8;
  const minorBase = isNvme ? 0 : index * 16;
  const pool = owningPool(model, d.name);
  const base = row(
    {
      name: d.name,
      size: d.sizeBytes,
      type: 'disk',
      'maj:min': `${major}:${minorBase}`,
      hctl: d.hctl,
      model: d.model,
      rev: d.rev,
      rota: d.rotational,
      serial: d.serial,
      state: isNvme ? 'live' : 'running',
      subsystems: isNvme ? 'block:nvme:pci' : 'block:scsi:pci',
      tran: d.tran,
      vendor: isNvme ? null : `${d.vendor.padEnd(8)}`,
      wwn: d.wwn,
      sched: isNvme ? 'none' : 'mq-deadline',
      pttype: pool ? 'gpt' : (d.signatures?.pttype ?? null),
      ptuuid: pool || d.signatures?.pttype ? uuid(`${d.serial}-pt`) : null,
      'phy-sec': d.rotational ? 4096 : 512,
      ...(!pool && d.signatures?.fstype ? { fstype: d.signatures.fstype, label: d.signatures.label ?? null, uuid: uuid(`${d.serial}-fs`) } : {}),
    },
    full,
  );
  if (!pool || !withChildren) return base;
  const part = (n: number): string => (isNvme ? `${d.name}p${n}` : `${d.name}${n}`);
  const dataSize = d.sizeBytes - RESERVED_BYTES - 2048 * SECTOR - 2048 * SECTOR;
  const common = {
    pkname: d.name,
    rota: d.rotational,
    'phy-sec': base['phy-sec'],
    pttype: 'gpt',
    ptuuid: base['ptuuid'],
    tran: d.tran,
    subsystems: base['subsystems'],
  };
  base['children'] = [
    row(
      {
        ...common,
        name: part(1),
        size: dataSize,
        type: 'part',
        'maj:min': `${major}:${minorBase + 1}`,
        fstype: 'zfs_member',
        fsver: '5000',
        label: pool.name,
        uuid: pool.guid,
        partlabel: `zfs-${hexId(d.serial, 16)}`,
        parttype: ZFS_PARTTYPE,
        parttypename: 'Solaris /usr & Apple ZFS',
        partuuid: uuid(`${d.serial}-1`),
        start: 2048,
      },
      full,
    ),
    row(
      {
        ...common,
        name: part(9),
        size: RESERVED_BYTES,
        type: 'part',
        'maj:min': `${major}:${minorBase + 9}`,
        parttype: RESERVED_PARTTYPE,
        parttypename: 'Solaris reserved 1',
        partuuid: uuid(`${d.serial}-9`),
        start: Math.floor((d.sizeBytes - RESERVED_BYTES) / SECTOR) - 2048,
      },
      full,
    ),
  ];
  return base;
}

const LSBLK_USAGE = "lsblk: invalid option\nTry 'lsblk --help' for more information.";

export function lsblkCommand(model: SimModel, args: string[]): RunResult {
  const expanded = args.flatMap((a) =>
    a === '--json' ? ['-J'] : a === '--bytes' ? ['-b'] : a === '--output-all' ? ['-O'] : a === '--nodeps' ? ['-d'] : a === '--paths' ? ['-p'] : [a],
  );
  let o;
  try {
    o = getopt(expanded, 'JbOdpanl', 'o', LSBLK_USAGE);
  } catch {
    throw new ToolExit(LSBLK_USAGE, 1);
  }
  const selected =
    o.operands.length === 0
      ? model.disks
      : o.operands.map((arg) => {
          const d = model.disks.find((x) => `/dev/${x.name}` === arg || x.name === arg);
          if (!d) throw new ToolExit(`lsblk: ${arg}: not a block device`, 32);
          return d;
        });
  const rows = selected.map((d) => diskRows(model, d, model.disks.indexOf(d), !o.flags.has('d'), o.flags.has('p')));
  const columns = o.values.get('o')?.join(',').toLowerCase().split(',');
  const project = (r: Row): Row => {
    if (!columns) return r;
    const out: Row = {};
    for (const c of columns) out[c] = r[c] ?? null;
    if (r['children']) out['children'] = (r['children'] as Row[]).map(project);
    return out;
  };
  const projected = rows.map(project);
  if (o.flags.has('J')) return ok(`${JSON.stringify({ blockdevices: projected }, null, 3)}\n`);
  const lines = ['NAME   MAJ:MIN RM   SIZE RO TYPE MOUNTPOINTS'];
  for (const r of rows) {
    lines.push(`${String(r['name']).padEnd(6)} ${String(r['maj:min']).padStart(7)}  0 ${String(r['size']).padStart(5)}  0 disk`);
  }
  return ok(`${lines.join('\n')}\n`);
}

function smartAttributes(d: SimDisk): unknown[] {
  const attr = (id: number, name: string, value: number, worst: number, thresh: number, raw: number, prefailure: boolean): unknown => ({
    id,
    name,
    value,
    worst,
    thresh,
    when_failed: value <= thresh ? 'now' : '',
    flags: {
      value: prefailure ? 51 : 50,
      string: prefailure ? 'POSR-K ' : '-O--CK ',
      prefailure,
      updated_online: true,
      performance: false,
      error_rate: prefailure,
      event_count: !prefailure,
      auto_keep: true,
    },
    raw: { value: raw, string: String(raw) },
  });
  const reallocHealth = d.failed ? 120 : 200;
  return [
    attr(1, 'Raw_Read_Error_Rate', d.failed ? 40 : 200, d.failed ? 40 : 200, 51, d.failed ? 18341 : 0, true),
    attr(3, 'Spin_Up_Time', 181, 178, 21, 5933, true),
    attr(5, 'Reallocated_Sector_Ct', d.failed ? 100 : reallocHealth, d.failed ? 100 : reallocHealth, 140, d.reallocatedSectors, true),
    attr(9, 'Power_On_Hours', 62, 62, 0, d.powerOnHours, false),
    attr(12, 'Power_Cycle_Count', 100, 100, 0, d.powerCycles, false),
    attr(194, 'Temperature_Celsius', 120 - d.temperatureC, 100, 0, d.temperatureC, false),
    attr(197, 'Current_Pending_Sector', 200, 200, 0, d.failed ? 312 : 0, false),
    attr(199, 'UDMA_CRC_Error_Count', 200, 200, 0, 0, false),
  ];
}

const SMARTCTL_BANNER =
  'smartctl 7.3 2022-02-28 r5338 [x86_64-linux-6.1.0-18-amd64] (local build)\nCopyright (C) 2002-22, Bruce Allen, Christian Franke, www.smartmontools.org\n';

/** Minutes a self-test takes: 2 for short; for long, the whole surface at about 150 MB/s (SSDs much faster). */
function selfTestMinutes(d: SimDisk, type: 'short' | 'long'): number {
  if (type === 'short') return 2;
  return d.rotational ? Math.ceil(d.sizeBytes / 150e6 / 60) : Math.ceil(d.sizeBytes / 1.5e9 / 60);
}

const remainingPercent = (t: SimSelfTest, nowMs: number): number =>
  Math.max(1, Math.min(9, Math.ceil(((t.startMs + t.durationMs - nowMs) / t.durationMs) * 10))) * 10;
const running = (t: SimSelfTest, nowMs: number): boolean => !t.failed && nowMs < t.startMs + t.durationMs;

/** smartctl -t short|long: starts a self-test and prints what smartctl 7.3 prints. */
function startSelfTest(d: SimDisk, type: string | undefined, nowMs: number): RunResult {
  if (type !== 'short' && type !== 'long') {
    return {
      code: 1,
      stdout: `${SMARTCTL_BANNER}\n=======> INVALID ARGUMENT TO -t: ${type ?? ''}\n=======> VALID ARGUMENTS ARE: offline, short, long, conveyance, force, vendor,N, select,M-N, pending,N, afterselect,[on|off]\n\nUse smartctl -h to get a usage summary\n\n`,
      stderr: '',
    };
  }
  const current = (d.selfTests ?? []).find((t) => running(t, nowMs));
  if (current) {
    return {
      code: 4,
      stdout: `${SMARTCTL_BANNER}\n=== START OF OFFLINE IMMEDIATE AND SELF-TEST SECTION ===\nCan't start self-test without aborting current test (${remainingPercent(current, nowMs)}% remaining),\nadd '-t force' option to override, or run 'smartctl -X' to abort test.\n`,
      stderr: '',
    };
  }
  const minutes = selfTestMinutes(d, type);
  const test: SimSelfTest = { type, startMs: nowMs, durationMs: minutes * 60_000, hours: d.powerOnHours, failed: d.failed };
  d.selfTests = [test, ...(d.selfTests ?? [])].slice(0, 21);
  if (d.tran === 'nvme') {
    return { code: 0, stdout: `${SMARTCTL_BANNER}\n=== START OF SELF-TEST SECTION ===\nSelf-test has begun\nUse smartctl -X to abort test\n`, stderr: '' };
  }
  const name = type === 'short' ? 'Short' : 'Extended';
  const until = new Date(nowMs + minutes * 60_000)
    .toUTCString()
    .replace(/^(\w+), (\d+) (\w+) (\d+) ([\d:]+) GMT$/, (_m, wd, day, mon, year, time) => `${wd} ${mon} ${String(day).padStart(2, ' ')} ${time} ${year} UTC`);
  return {
    code: 0,
    stdout: `${SMARTCTL_BANNER}\n=== START OF OFFLINE IMMEDIATE AND SELF-TEST SECTION ===\nSending command: "Execute SMART ${name} self-test routine immediately in off-line mode".\nDrive command "Execute SMART ${name} self-test routine immediately in off-line mode" successful.\nTesting has begun.\nPlease wait ${minutes} minutes for test to complete.\nTest will complete after ${until}\nUse smartctl -X to abort test.\n`,
    stderr: '',
  };
}

/** The self-test log (and the current self-test's state) in smartctl 7.3's JSON. */
function selfTestLog(d: SimDisk, nowMs: number): Record<string, unknown> {
  const tests = d.selfTests ?? [];
  const current = tests.find((t) => running(t, nowMs));
  const done = tests.filter((t) => !running(t, nowMs));
  const hoursAt = (t: SimSelfTest) => t.hours + Math.floor((Math.min(nowMs, t.startMs + t.durationMs) - t.startMs) / 3_600_000);
  if (d.tran === 'nvme') {
    return {
      nvme_self_test_log: {
        current_self_test_operation: current
          ? { value: current.type === 'short' ? 1 : 2, string: `${current.type === 'short' ? 'Short' : 'Extended'} self-test in progress` }
          : { value: 0, string: 'No self-test in progress' },
        ...(current ? { current_self_test_completion_percent: 100 - remainingPercent(current, nowMs) } : {}),
        table: done.map((t) => ({
          self_test_code: { value: t.type === 'short' ? 1 : 2, string: t.type === 'short' ? 'Short' : 'Extended' },
          self_test_result: t.failed ? { value: 7, string: 'Completed: failed segments' } : { value: 0, string: 'Completed without error' },
          power_on_hours: hoursAt(t),
        })),
      },
    };
  }
  const status = current
    ? {
        value: 240 + remainingPercent(current, nowMs) / 10,
        string: `in progress, ${remainingPercent(current, nowMs)}% remaining`,
        remaining_percent: remainingPercent(current, nowMs),
      }
    : done[0]?.failed
      ? { value: 121, string: 'completed: read failure', remaining_percent: 90, passed: false }
      : { value: 0, string: 'completed without error', passed: true };
  return {
    ata_smart_data: { self_test: { status, polling_minutes: { short: 2, extended: selfTestMinutes(d, 'long') } } },
    ata_smart_self_test_log: {
      standard: {
        revision: 1,
        table: done.map((t) => ({
          type: { value: t.type === 'short' ? 1 : 2, string: t.type === 'short' ? 'Short offline' : 'Extended offline' },
          status: t.failed
            ? { value: 121, string: 'Completed: read failure', remaining_percent: 90, passed: false }
            : { value: 0, string: 'Completed without error', passed: true },
          lifetime_hours: hoursAt(t),
          ...(t.failed ? { lba: 1953525 } : {}),
        })),
        count: done.length,
        error_count_total: done.filter((t) => t.failed).length,
        error_count_outdated: 0,
      },
    },
  };
}

/** smartctl 7.3 -j output for a simulated ATA or NVMe drive (-a; -c -l selftest; -t short|long). */
export function smartctlCommand(model: SimModel, args: string[], nowMs: number): RunResult {
  const device = args.filter((a, i) => !a.startsWith('-') && !['-t', '-l'].includes(args[i - 1] ?? '')).pop();
  const testAt = args.indexOf('-t');
  if (testAt >= 0) {
    const disk = model.disks.find((x) => device === `/dev/${x.name}`);
    if (!disk) return { code: 2, stdout: `${SMARTCTL_BANNER}\nSmartctl open device: ${device ?? ''} failed: No such device\n`, stderr: '' };
    return startSelfTest(disk, args[testAt + 1], nowMs);
  }
  const selfTestOnly = args.includes('-l') && args[args.indexOf('-l') + 1] === 'selftest' && !args.includes('-a');
  const header = {
    json_format_version: [1, 0],
    smartctl: {
      version: [7, 3],
      svn_revision: '5338',
      platform_info: 'x86_64-linux-6.1.0-18-amd64',
      build_info: '(local build)',
      argv: ['smartctl', ...args],
      exit_status: 0,
    } as Record<string, unknown>,
  };
  const now = new Date(nowMs);
  const localTime = { time_t: Math.floor(nowMs / 1000), asctime: now.toUTCString() };
  const d = model.disks.find((x) => device === `/dev/${x.name}`);
  if (!device || !d) {
    header.smartctl['messages'] = [{ string: `Smartctl open device: ${device ?? ''} failed: No such device`, severity: 'error' }];
    header.smartctl['exit_status'] = 2;
    return { code: 2, stdout: `${JSON.stringify({ ...header, local_time: localTime }, null, 2)}\n`, stderr: '' };
  }
  const exit = d.failed ? 24 : 0;
  header.smartctl['exit_status'] = exit;
  const isNvme = d.tran === 'nvme';
  if (selfTestOnly) {
    const dev = isNvme
      ? { name: `/dev/${d.name}`, info_name: `/dev/${d.name}`, type: 'nvme', protocol: 'NVMe' }
      : { name: `/dev/${d.name}`, info_name: `/dev/${d.name} [SAT]`, type: 'sat', protocol: 'ATA' };
    return {
      code: exit & ~16,
      stdout: `${JSON.stringify({ ...header, local_time: localTime, device: dev, ...selfTestLog(d, nowMs) }, null, 2)}\n`,
      stderr: '',
    };
  }
  const body: Record<string, unknown> = {
    ...header,
    local_time: localTime,
    device: isNvme
      ? { name: `/dev/${d.name}`, info_name: `/dev/${d.name}`, type: 'nvme', protocol: 'NVMe' }
      : { name: `/dev/${d.name}`, info_name: `/dev/${d.name} [SAT]`, type: 'sat', protocol: 'ATA' },
    model_name: d.model,
    serial_number: d.serial,
    firmware_version: d.rev,
    user_capacity: { blocks: Math.floor(d.sizeBytes / 512), bytes: d.sizeBytes },
    logical_block_size: 512,
  };
  if (isNvme) {
    Object.assign(body, {
      nvme_total_capacity: d.sizeBytes,
      smart_support: { available: true, enabled: true },
      smart_status: { passed: !d.failed, nvme: { value: d.failed ? 4 : 0 } },
      nvme_smart_health_information_log: {
        critical_warning: d.failed ? 4 : 0,
        temperature: d.temperatureC,
        available_spare: 100,
        available_spare_threshold: 10,
        percentage_used: 2,
        data_units_read: 21988121,
        data_units_written: 40211934,
        host_reads: 311228121,
        host_writes: 622019331,
        controller_busy_time: 1021,
        power_cycles: d.powerCycles,
        power_on_hours: d.powerOnHours,
        unsafe_shutdowns: 11,
        media_errors: d.failed ? 57 : 0,
        num_err_log_entries: 0,
      },
      temperature: { current: d.temperatureC },
      power_cycle_count: d.powerCycles,
      power_on_time: { hours: d.powerOnHours },
    });
  } else {
    Object.assign(body, {
      wwn: { naa: 5, oui: parseInt(d.wwn.slice(3, 9), 16), id: parseInt(d.wwn.slice(9), 16) },
      physical_block_size: d.rotational ? 4096 : 512,
      rotation_rate: d.rpm,
      form_factor: { ata_value: d.rotational ? 2 : 3, name: d.rotational ? '3.5 inches' : '2.5 inches' },
      trim: { supported: !d.rotational },
      in_smartctl_database: true,
      ata_version: { string: 'ACS-3 T13/2161-D revision 5', major_value: 2040, minor_value: 109 },
      sata_version: { string: 'SATA 3.1', value: 127 },
      interface_speed: { max: { sata_value: 14, string: '6.0 Gb/s', units_per_second: 60, bits_per_unit: 100000000 } },
      smart_support: { available: true, enabled: true },
      smart_status: { passed: !d.failed },
      ata_smart_attributes: { revision: 16, table: smartAttributes(d) },
      power_on_time: { hours: d.powerOnHours },
      power_cycle_count: d.powerCycles,
      temperature: { current: d.temperatureC },
    });
  }
  return { code: exit, stdout: `${JSON.stringify(body, null, 2)}\n`, stderr: '' };
}

/** /proc/spl/kstat/zfs/arcstats of a 64 GiB machine whose ARC has been warm for a while. */
export function arcstatsText(model: SimModel, nowMs: number): string {
  const uptime = Math.max(1, (nowMs - model.arc.bootMs) / 1000);
  const GiB = 1024 ** 3;
  const hits = model.arc.hits + Math.floor(uptime * 211);
  const misses = model.arc.misses + Math.floor(uptime * 9);
  const size = Math.floor(23.4 * GiB + (Math.sin(nowMs / 60000) + 1) * 0.3 * GiB);
  const hasL2 = model.pools.some((p) => !p.exported && p.cache.length > 0);
  const stats: [string, number][] = [
    ['hits', hits],
    ['iohits', Math.floor(hits / 90)],
    ['misses', misses],
    ['demand_data_hits', Math.floor(hits * 0.41)],
    ['demand_data_iohits', 0],
    ['demand_data_misses', Math.floor(misses * 0.52)],
    ['demand_metadata_hits', Math.floor(hits * 0.55)],
    ['demand_metadata_iohits', 0],
    ['demand_metadata_misses', Math.floor(misses * 0.08)],
    ['prefetch_data_hits', Math.floor(hits * 0.02)],
    ['prefetch_data_iohits', 0],
    ['prefetch_data_misses', Math.floor(misses * 0.38)],
    ['prefetch_metadata_hits', Math.floor(hits * 0.02)],
    ['prefetch_metadata_iohits', 0],
    ['prefetch_metadata_misses', Math.floor(misses * 0.02)],
    ['mru_hits', Math.floor(hits * 0.3)],
    ['mru_ghost_hits', Math.floor(misses * 0.05)],
    ['mfu_hits', Math.floor(hits * 0.68)],
    ['mfu_ghost_hits', Math.floor(misses * 0.02)],
    ['uncached_hits', 0],
    ['deleted', Math.floor(uptime * 55)],
    ['mutex_miss', 1942],
    ['access_skip', 3],
    ['evict_skip', 1210],
    ['evict_not_enough', 12],
    ['evict_l2_cached', 0],
    ['evict_l2_eligible', Math.floor(uptime * 9e5)],
    ['hash_elements', 1811234],
    ['hash_elements_max', 2011012],
    ['hash_collisions', 9120331],
    ['hash_chains', 120334],
    ['hash_chain_max', 7],
    ['meta', 378454753],
    ['pd', 2147483648],
    ['pm', 2147483648],
    ['c', Math.floor(24 * GiB)],
    ['c_min', 2 * GiB],
    ['c_max', 32 * GiB],
    ['size', size],
    ['compressed_size', Math.floor(size * 0.71)],
    ['uncompressed_size', Math.floor(size * 1.12)],
    ['overhead_size', Math.floor(size * 0.04)],
    ['hdr_size', 301234432],
    ['data_size', Math.floor(size * 0.78)],
    ['metadata_size', Math.floor(size * 0.17)],
    ['dbuf_size', 112033536],
    ['dnode_size', 280330752],
    ['bonus_size', 90112000],
    ['anon_size', 1163264],
    ['mru_size', Math.floor(size * 0.38)],
    ['mru_ghost_size', Math.floor(size * 0.21)],
    ['mfu_size', Math.floor(size * 0.57)],
    ['mfu_ghost_size', Math.floor(size * 0.11)],
    ['uncached_size', 0],
    ['l2_hits', hasL2 ? model.arc.l2Hits + Math.floor(uptime * 7) : 0],
    ['l2_misses', hasL2 ? model.arc.l2Misses + Math.floor(uptime * 2) : 0],
    ['l2_size', hasL2 ? Math.floor(180 * GiB) : 0],
    ['l2_asize', hasL2 ? Math.floor(131 * GiB) : 0],
    ['l2_hdr_size', hasL2 ? 91234304 : 0],
    ['memory_throttle_count', 0],
    ['memory_direct_count', 0],
    ['memory_indirect_count', 0],
    ['memory_all_bytes', 64 * GiB],
    ['memory_free_bytes', Math.floor(9.1 * GiB)],
    ['memory_available_bytes', Math.floor(6.9 * GiB)],
    ['arc_no_grow', 0],
    ['arc_tempreserve', 0],
    ['arc_loaned_bytes', 0],
    ['arc_prune', 0],
    ['arc_meta_used', Math.floor(size * 0.19)],
    ['arc_dnode_limit', Math.floor(3.2 * GiB)],
    ['async_upgrade_sync', 4321],
    ['predictive_prefetch', 0],
    ['demand_hit_predictive_prefetch', 31234],
    ['arc_need_free', 0],
    ['arc_sys_free', 2 * GiB],
    ['arc_raw_size', 0],
  ];
  const crtime = Math.floor((model.arc.bootMs % 1e9) * 1e3);
  const snaptime = Math.floor(uptime * 1e9) + crtime;
  let text = `13 1 0x01 ${stats.length} ${stats.length * 56} ${crtime} ${snaptime}\n`;
  text += `${'name'.padEnd(32)}${'type'} data\n`;
  for (const [name, value] of stats) text += `${name.padEnd(32)}${'4'.padEnd(5)}${value}\n`;
  return text;
}

/** wipefs -a DEVICE...: erases every signature and prints each as util-linux 2.38 does. */
export function wipefsCommand(model: SimModel, args: string[]): RunResult {
  let o;
  try {
    o = getopt(args, 'afnq', 'to', "wipefs: invalid option\nTry 'wipefs --help' for more information.");
  } catch {
    throw new ToolExit("wipefs: invalid option\nTry 'wipefs --help' for more information.", 1);
  }
  if (!o.flags.has('a')) return ok('');
  let out = '';
  for (const arg of o.operands) {
    const whole = model.disks.find((x) => `/dev/${x.name}` === arg);
    const partOf = model.disks.find((x) => new RegExp(`^/dev/${x.name}p?\\d+$`).test(arg));
    const d = whole ?? partOf;
    if (!d) throw new ToolExit(`wipefs: error: ${arg}: probing initialization failed: No such file or directory`, 1);
    const pool = owningPool(model, d.name);
    if (pool && !pool.exported) throw new ToolExit(`wipefs: error: ${arg}: probing initialization failed: Device or resource busy`, 1);
    if (partOf && !whole) {
      if (pool) {
        for (const offset of ['0x00003f000', '0x00007f000', '0x0000bf000', '0x0000ff000'])
          out += `${arg}: 8 bytes were erased at offset ${offset} (zfs_member): 0c b1 ba 00 00 00 00 00\n`;
      }
      continue;
    }
    const lastSector = `0x${(d.sizeBytes - SECTOR).toString(16)}`;
    const gpt = (): void => {
      out += `${arg}: 8 bytes were erased at offset 0x00000200 (gpt): 45 46 49 20 50 41 52 54\n`;
      out += `${arg}: 8 bytes were erased at offset ${lastSector} (gpt): 45 46 49 20 50 41 52 54\n`;
      out += `${arg}: 2 bytes were erased at offset 0x000001fe (PMBR): 55 aa\n`;
    };
    if (pool) {
      gpt();
      // The pool loses this member: it shows up missing at the next import.
      for (const leaf of leaves([...pool.vdevs, ...pool.logs, ...pool.special, ...pool.dedup, ...pool.cache, ...pool.spares])) {
        if (leaf.disk === d.name) {
          leaf.state = 'UNAVAIL';
          leaf.aux = 'missing';
        }
      }
    }
    const sig = d.signatures;
    if (sig?.fstype) {
      const magic: Record<string, string> = {
        ext4: '0x00000438 (ext4): 53 ef',
        xfs: '0x00000000 (xfs): 58 46 53 42',
        zfs_member: '0x00003f000 (zfs_member): 0c b1 ba 00 00 00 00 00',
        ntfs: '0x00000003 (ntfs): 4e 54 46 53 20 20 20 20',
        swap: '0x00000ff6 (swap): 53 57 41 50 53 50 41 43 45 32',
      };
      const m = magic[sig.fstype] ?? `0x00000000 (${sig.fstype}): 00`;
      out += `${arg}: ${m.split(': ')[1]!.split(' ').length} bytes were erased at offset ${m}\n`;
    }
    if (sig?.pttype === 'gpt') gpt();
    else if (sig?.pttype) out += `${arg}: 2 bytes were erased at offset 0x000001fe (${sig.pttype}): 55 aa\n`;
    if (sig?.pttype || pool) out += `${arg}: calling ioctl to re-read partition table: Success\n`;
    delete d.signatures;
  }
  return ok(out);
}
