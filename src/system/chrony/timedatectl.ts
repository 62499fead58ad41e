/** The appliance's time zone through systemd's timedatectl. */
import type { Host } from '../host.js';
import { userArg } from '../host.js';

/** `timedatectl show -p Timezone --value`: the zone, or '' when it prints none. */
export async function readTimezone(host: Host): Promise<string> {
  return (await host.run('timedatectl', ['show', '-p', 'Timezone', '--value'])).stdout.trim();
}

/** `timedatectl set-timezone ZONE` (it refuses a zone missing from the tz database). */
export async function setTimezone(host: Host, zone: string): Promise<void> {
  await host.run('timedatectl', ['set-timezone', userArg(zone)]);
}

/** `systemctl restart UNIT`. */
export async function restartUnit(host: Host, unit: string): Promise<void> {
  await host.run('systemctl', ['restart', userArg(unit)]);
}

/** `systemctl stop UNIT`. */
export async function stopUnit(host: Host, unit: string): Promise<void> {
  await host.run('systemctl', ['stop', userArg(unit)]);
}
