/**
 * lsscsi (0.31): getopt_long "bcCdDghHiklLNpPsStuUvVwxy:", its long options in the order of its table, where
 * `--long-unit`, `--no-nvme`, `--scsi-id` and `--sz-lbs` are also spelled with an underscore (one option to
 * getopt_long: `--no` is `--no-nvme`, `--s` names `--sz-lbs` and `--sz_lbs` but not `--scsi-id`). Refusals as lsscsi
 * 0.31 prints them on Debian 12 (stderr: getopt's line, then the usage below; exit 1). Its operands are a filter
 * `<h:c:t:l>`: at most four, each of at most four parts, a part a number (read as sscanf's %d reads it), `*`, `?` or
 * `-`, the first one `N` for NVMe; what it prints for each refusal was captured from lsscsi 0.31.
 */
import { getoptRefusals, refusal, type OptionSpec, type ToolGrammar } from './grammar.js';

const USAGE = `Usage: lsscsi   [--brief] [--classic] [--controllers] [--device] [--generic]
\t\t[--help] [--hosts] [--kname] [--list] [--long] [--long-unit]
\t\t[--lunhex] [--no-nvme] [--pdt] [--protection] [--prot-mode]
\t\t[--scsi_id] [--size] [--sz-lbs] [--sysfsroot=PATH] [--transport]
\t\t[--unit] [--verbose] [--version] [--wwn]  [<h:c:t:l>]
  where:
    --brief|-b        tuple and device name only
    --classic|-c      alternate output similar to 'cat /proc/scsi/scsi'
    --controllers|-C   synonym for --hosts since NVMe controllers treated
                       like SCSI hosts
    --device|-d       show device node's major + minor numbers
    --generic|-g      show scsi generic device name
    --help|-h         this usage information
    --hosts|-H        lists scsi hosts rather than scsi devices
    --kname|-k        show kernel name instead of device node name
    --list|-L         additional information output one
                      attribute=value per line
    --long|-l         additional information output
    --long-unit|-U    print LU name in full, use twice to prefix with
                      '.naa', 'eui.', 'uuid.' or 't10.'
    --lunhex|-x       show LUN part of tuple as hex number in T10 format;
                      use twice to get full 16 digit hexadecimal LUN
    --no-nvme|-N      exclude NVMe devices from output
    --pdt|-D          show the peripheral device type in hex
    --protection|-p   show target and initiator protection information
    --protmode|-P     show negotiated protection information mode
    --scsi_id|-i      show udev derived /dev/disk/by-id/scsi* entry
    --size|-s         show disk size, (once for decimal (e.g. 3 GB),
                      twice for power of two (e.g. 2.7 GiB),
                      thrice for number of blocks))
    --sysfsroot=PATH|-y PATH    set sysfs mount point to PATH (def: /sys)
    --sz-lbs|-S       show size as a number of logical blocks; if used twice
                      adds comma followed by logical block size in bytes
    --transport|-t    transport information for target or, if '--hosts'
                      given, for initiator
    --unit|-u         logical unit (LU) name (aka WWN for ATA/SATA)
    --verbose|-v      output path names where data is found
    --version|-V      output version string and exit
    --wwn|-w          output WWN for disks (from /dev/disk/by-id/wwn*)
    <h:c:t:l>         filter output list (def: '*:*:*:*' (all)). Meaning:
                      <host_num:controller:target:lun> or for NVMe:
                      <'N':ctl_num:cntlid:namespace_id>

List SCSI devices or hosts, followed by NVMe namespaces or controllers.
Many storage devices (e.g. SATA disks and USB attached storage) use SCSI
command sets and hence are also listed by this utility. Hyphenated long
options can also take underscore (and vice versa).
`;
const flag = (short: string, long: string, same?: string): OptionSpec => ({ short, long, value: false, ...(same ? { same } : {}) });

/** A part of the filter lsscsi can read: a wildcard, or what sscanf's %d takes (a sign and digits, anything after). */
const readable = (part: string, first: boolean) => /^(|\*|\?|-|\s*[+-]?\d.*)$/s.test(part) || (first && /^[Nn]$/.test(part));

export const lsscsiGrammar: ToolGrammar = {
  tool: 'lsscsi',
  style: 'gnu',
  abbreviations: 'unique',
  options: [
    flag('b', 'brief'),
    flag('c', 'classic'),
    flag('C', 'controllers'),
    flag('d', 'device'),
    flag('g', 'generic'),
    flag('h', 'help'),
    flag('H', 'hosts'),
    flag('k', 'kname'),
    flag('l', 'long'),
    flag('L', 'list'),
    flag('x', 'lunhex'),
    flag('U', 'long_unit', 'long-unit'),
    flag('U', 'long-unit'),
    flag('N', 'no-nvme'),
    flag('N', 'no_nvme', 'no-nvme'),
    flag('D', 'pdt'),
    flag('p', 'protection'),
    flag('P', 'protmode'),
    flag('i', 'scsi_id', 'scsi-id'),
    flag('i', 'scsi-id'),
    flag('s', 'size'),
    flag('S', 'sz-lbs'),
    flag('S', 'sz_lbs', 'sz-lbs'),
    { short: 'y', long: 'sysfsroot', value: true },
    flag('t', 'transport'),
    flag('u', 'unit'),
    flag('v', 'verbose'),
    flag('V', 'version'),
    flag('w', 'wwn'),
  ],
  refuse: {
    ...getoptRefusals('lsscsi', 1, USAGE),
    operands: (operands) => {
      if (operands.length > 4) return refusal(`unexpected non-option arguments: ${operands.map((o) => `${o} `).join('')}\n`, 1);
      for (const [i, operand] of operands.entries()) {
        const parts = operand.split(':');
        if (parts.length > 4) return refusal(`expect three colons at most in ${operand}\n`, 1);
        const bad = parts.find((p, j) => !readable(p, i === 0 && j === 0));
        if (bad !== undefined) return refusal(`cannot decode ${bad} as an integer\n`, 1);
      }
      return null;
    },
  },
};
