/**
 * Formatting rules of the ZFS command-line tools, used by the simulated host to print
 * exactly what OpenZFS prints (and by tests to build expectations).
 */

const UNITS = ['', 'K', 'M', 'G', 'T', 'P', 'E'];

/**
 * zfs_nicenum_format() of libzutil: base 1024, exact multiples without decimals, otherwise the
 * most precise of "%.2f", "%.1f", "%.0f" that fits in 5 characters.
 */
export function niceNumber(value: number, bytes = false): string {
  const num = Math.max(0, Math.floor(value));
  let n = num;
  let index = 0;
  while (n >= 1024 && index < UNITS.length - 1) {
    n = Math.floor(n / 1024);
    index++;
  }
  const unit = index === 0 && bytes ? 'B' : UNITS[index]!;
  const divisor = 1024 ** index;
  if (index === 0 || num % divisor === 0) return `${n}${unit}`;
  let text = '';
  for (let precision = 2; precision >= 0; precision--) {
    text = `${(num / divisor).toFixed(precision)}${unit}`;
    if (text.length <= 5) break;
  }
  return text;
}

export function niceBytes(value: number): string {
  return niceNumber(value, true);
}

/** secs_to_dhms() of zpool_main.c (OpenZFS 2.x). */
export function secondsToDhms(total: number): string {
  const t = Math.max(0, Math.floor(total));
  const days = Math.floor(t / 86400);
  const hh = String(Math.floor(t / 3600) % 24).padStart(2, '0');
  const mm = String(Math.floor(t / 60) % 60).padStart(2, '0');
  const ss = String(t % 60).padStart(2, '0');
  return days > 0 ? `${days} days ${hh}:${mm}:${ss}` : `${hh}:${mm}:${ss}`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** ctime(3) without the trailing newline, in the process's local time zone as the tools print it. */
export function ctime(date: Date): string {
  const day = String(date.getDate()).padStart(2, ' ');
  const time = [date.getHours(), date.getMinutes(), date.getSeconds()].map((v) => String(v).padStart(2, '0')).join(':');
  return `${DAYS[date.getDay()]} ${MONTHS[date.getMonth()]} ${day} ${time} ${date.getFullYear()}`;
}

/** The short date `zfs list`/`zfs get` print for `creation` without -p ("Sun Mar 10  0:24 2024"). */
export function zfsShortDate(date: Date): string {
  const day = String(date.getDate()).padStart(2, ' ');
  const hour = String(date.getHours()).padStart(2, ' ');
  const min = String(date.getMinutes()).padStart(2, '0');
  return `${DAYS[date.getDay()]} ${MONTHS[date.getMonth()]} ${day} ${hour}:${min} ${date.getFullYear()}`;
}
