/**
 * A Server-Sent Events reader (the WHATWG event-stream format, as src/api/events.ts writes it):
 * `id:`, `event:` and `data:` fields, one event per blank line, comments (`: heartbeat`) and
 * `retry:` skipped. Fed raw chunks; a line split across chunks, or a CR LF split between them,
 * is put back together.
 */

export interface SseMessage {
  /** The `id:` of this message, or null when it carried none (it then moves no resume position). */
  id: string | null;
  event: string;
  data: string;
}

/** A line longer than this is a broken or hostile stream, not an event. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

export class SseParser {
  private pending = '';
  private id: string | null = null;
  private event = '';
  private data: string[] = [];
  /** The last chunk ended in CR: an LF at the start of the next one belongs to it. */
  private skipLf = false;
  private readonly decoder = new TextDecoder('utf-8');

  /** Parses a chunk; returns the messages it completed, in order. Throws when a line exceeds MAX_LINE_BYTES. */
  push(chunk: Uint8Array): SseMessage[] {
    let text = this.decoder.decode(chunk, { stream: true });
    if (this.skipLf && text.startsWith('\n')) text = text.slice(1);
    this.skipLf = false;
    const out: SseMessage[] = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.line(this.pending + text.slice(start, i), out);
      this.pending = '';
      if (c === 13) {
        if (i + 1 < text.length) {
          if (text.charCodeAt(i + 1) === 10) i++;
        } else this.skipLf = true;
      }
      start = i + 1;
    }
    this.pending += text.slice(start);
    if (this.pending.length > MAX_LINE_BYTES) throw new Error(`an event-stream line longer than ${MAX_LINE_BYTES} bytes`);
    return out;
  }

  private line(line: string, out: SseMessage[]): void {
    if (line === '') {
      if (this.data.length || this.event) out.push({ id: this.id, event: this.event || 'message', data: this.data.join('\n') });
      this.id = null;
      this.event = '';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'id') this.id = value;
    else if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
  }
}
