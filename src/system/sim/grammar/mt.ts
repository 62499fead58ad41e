/**
 * mt (mt-st 1.7): no getopt. Before the command, each argument starting with '-' is read by its second letter: `-f` or
 * `-t` (`-fx` too) takes the next argument as the device, `-v` (and `--v...`) prints the version, `-h` the whole usage
 * (both exit 0); anything else, or a `-f` without a device or no command, is the short usage (stderr, exit 1). The command
 * is a name of the table below or an unambiguous prefix of one (`stat`, `of`; `st` is ambiguous), with at most the
 * arguments it takes; mt checks both before it opens the device. The texts are mt-st 1.7's on Debian 12, as captured here.
 */
import type { RunResult } from '../../host.js';
import { refusal } from './grammar.js';

const USAGE = `usage: mt [-v] [--version] [-h] [ -f device ] command [ count ]
default tape device: /dev/tape
commands: weof, wset, eof, fsf, fsfm, bsf, bsfm, fsr, bsr, fss, bss, rewind,\x20
          offline, rewoffl, eject, retension, eod, seod, seek, tell, status,\x20
          erase, setblk, lock, unlock, load, compression, setdensity,\x20
          drvbuffer, stwrthreshold, stoptions, stsetoptions, stclearoptions,\x20
          defblksize, defdensity, defdrvbuffer, defcompression, stsetcln,\x20
          sttimeout, stlongtimeout, densities, setpartition, mkpartition,\x20
          partseek, asf, stshowoptions.
`;
const SHORT_USAGE = USAGE.split('\n').slice(0, 2).join('\n') + '\n';
const VERSION = 'mt-st v. 1.7\ndefault tape device: /dev/tape\n';

/** mt-st's commands in its table's order, with the number of arguments each takes at most. */
export const MT_COMMANDS: ReadonlyArray<readonly [string, number]> = (
  'weof 1 wset 1 eof 1 fsf 1 fsfm 1 bsf 1 bsfm 1 fsr 1 bsr 1 fss 1 bss 1 rewind 0 offline 0 rewoffl 0 eject 0 retension 0 ' +
  'eod 0 seod 0 seek 1 tell 0 status 0 erase 1 setblk 1 lock 0 unlock 0 load 1 compression 1 setdensity 1 drvbuffer 1 ' +
  'stwrthreshold 1 stoptions 99 stsetoptions 99 stclearoptions 99 defblksize 1 defdensity 1 defdrvbuffer 1 ' +
  'defcompression 1 stsetcln 1 sttimeout 1 stlongtimeout 1 densities 0 setpartition 1 mkpartition 1 partseek 2 asf 1 ' +
  'stshowoptions 1'
)
  .match(/\S+ \d+/g)!
  .map((pair) => {
    const [name, max] = pair.split(' ');
    return [name!, Number(max)] as const;
  });

/**
 * What mt answers before it opens the device: its refusal, the version or the usage; null when it would open the device.
 * mt reads its arguments itself, so this is not a getopt table.
 */
export function mtRefusal(args: string[]): RunResult | null {
  let i = 0;
  for (; i < args.length && args[i]!.startsWith('-'); i++) {
    const a = args[i]!;
    if (a[1] === 'v' || a.startsWith('--v')) return refusal('', 0, VERSION);
    if (a[1] === 'h') return refusal(USAGE, 0);
    if (a[1] === 'f' || a[1] === 't') {
      if (++i >= args.length) return refusal(SHORT_USAGE, 1);
      continue;
    }
    return refusal(SHORT_USAGE, 1);
  }
  const word = args[i];
  if (word === undefined) return refusal(SHORT_USAGE, 1);
  const exact = MT_COMMANDS.find(([name]) => name === word);
  const fits = exact ? [exact] : MT_COMMANDS.filter(([name]) => name.startsWith(word));
  if (fits.length === 0) return refusal(`mt: unknown command "${word}"\n${USAGE}`, 1);
  if (fits.length > 1) return refusal(`mt: ambiguous command "${word}"\n${USAGE}`, 1);
  const [name, max] = fits[0]!;
  if (args.length - i - 1 > max) return refusal(`mt: too many arguments for the command '${name}'.\n`, 1);
  return null;
}
