/**
 * snmptrapd's log (`-Lf FILE`, Net-SNMP 5.9 default format): a header line per trap
 * ("DATE TIME HOST [UDP: [from]:port->[to]:port]:"), then its varbinds on one line separated by
 * tabs ("OID = TYPE: value"). Returns one map per trap, OID -> "TYPE: value".
 */
export function readTrapLog(text: string): Map<string, string>[] {
  const traps: Map<string, string>[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d .*\]:$/.test(lines[i]!)) continue;
    const varbinds = lines[i + 1] ?? '';
    traps.push(new Map(varbinds.split('\t').map((vb) => vb.split(' = ', 2) as [string, string])));
  }
  return traps;
}
