import { z } from 'zod';
/** Timestamps are ISO-8601 UTC strings in the database: sortable and identical on SQLite and PostgreSQL. */
export function nowIso(): string {
  return new Date().toISOString();
}

export function isoAgo(ms: number): string {
  return new Date(Date.now() - ms).toISOString();
}

/*
 * The naming rule for sizes, times and durations in every API output (issue 17). One rule, so a
 * client never guesses a unit, and test/api/output-naming.test.ts walks the OpenAPI document and
 * fails on a field that breaks it:
 *
 * - A size is an integer number of bytes, and its name ends in `Bytes` (`usedBytes`,
 *   `quotaBytes`, `repairedBytes`). Never a "10G" string, never KiB.
 * - A point in time is an ISO-8601 string (`format: date-time`; UTC `...Z` where Calypso makes
 *   it, the tool's offset kept where a tool prints one), and its name ends in `At` (`createdAt`,
 *   `snoozeEndsAt`), or is `at` alone for the one time of a log/history entry. Every `date-time`
 *   field is named so, and every `*At` field is a `date-time` string (null where unknown).
 * - A duration is a number whose name ends in its unit: `Seconds` or `Ms`
 *   (`expiresInSeconds`, `remainingSeconds`, `timeoutMs`).
 * - Ratios and shares end in `Percent` or `Ratio`; counts are plain numbers (`holds`, `errors`).
 * - Name -> value maps that carry a tool's own data (ZFS `properties`, metric `labels`) are data,
 *   not fields: their keys follow the tool, and raw ZFS values are strings as `zfs get -p` prints.
 */

/** An output time: ISO-8601 with `Z` or an offset. */
export const isoTime = () => z.iso.datetime({ offset: true });

/** A tool's time text (ctime "Sun Nov 29 12:45:01 2026", ISO with an offset, epoch seconds) as ISO-8601 UTC; null when it is not a time. */
export function toIsoTime(value: string | number | null | undefined): string | null {
  if (value === null || value === undefined || value === '') return null;
  const d = typeof value === 'number' || /^\d+$/.test(value) ? new Date(Number(value) * 1000) : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
