import type { CommandRecord } from './host.js';

/** The bounded record of commands a host ran, shared by every Host implementation. */
export class CommandHistory {
  private readonly records: CommandRecord[] = [];
  private seq = 0;

  constructor(private readonly capacity = 500) {}

  add(entry: Omit<CommandRecord, 'seq'>): CommandRecord {
    const record: CommandRecord = { seq: ++this.seq, ...entry };
    this.records.push(record);
    if (this.records.length > this.capacity) this.records.splice(0, this.records.length - this.capacity);
    return record;
  }

  list(limit?: number): CommandRecord[] {
    const n = limit === undefined ? this.records.length : Math.max(0, limit);
    return this.records.slice(this.records.length - Math.min(n, this.records.length)).map((r) => ({ ...r, args: [...r.args] }));
  }
}
