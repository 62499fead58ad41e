/**
 * smb.conf's grammar: the share (section) names and the one-line values Calypso writes. One copy
 * for the contracts (what a caller may send) and the renderer in src/system/samba (what it agrees
 * to write).
 */

/** Section names smb.conf gives a meaning of its own. */
export const SMB_RESERVED_SECTIONS = ['global', 'homes', 'printers', 'print$', 'ipc$'];

/** Share names: what Windows clients and smb.conf both accept; never a bracket, newline or backslash. */
export const SMB_SHARE_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9 _.-]{0,77}[A-Za-z0-9_.-])?\$?$/;

/**
 * Why `value` cannot be an smb.conf value, or null. A line break would start a new line (and
 * with it a new section); a trailing backslash joins the next line; NUL ends the file for Samba.
 */
export function smbValueProblem(value: string): string | null {
  if (/[\r\n\0]/.test(value)) return 'may not contain line breaks or NUL';
  if (/\\\s*$/.test(value)) return 'may not end with a backslash (it would continue onto the next line)';
  if (value !== value.trim()) return 'may not start or end with spaces';
  return null;
}
