/**
 * Server-sent events as OpenAI-compatible servers stream them: the `data` of each event, however
 * the bytes were cut into network chunks. Lines may end in `\n`, `\r\n` or `\r` (a `\r` at the end
 * of a chunk waits for the next one, which may start with its `\n`); comment lines (`: ping`)
 * and the fields other than `data` (`event`, `id`, `retry`) are skipped.
 */

/** Turns decoded text, pushed in arbitrary pieces, into the `data` payload of each complete event. */
export class SseDataParser {
  private pending = '';
  /** Where the scan for a line end resumes in `pending`, so a long line is not rescanned per chunk. */
  private scanFrom = 0;
  private dataLines: string[] = [];

  /** Adds the next piece of text; returns the data of every event it completed, in order. */
  push(text: string): string[] {
    const events: string[] = [];
    this.pending += text;
    let lineStart = 0;
    for (let i = this.scanFrom; i < this.pending.length; i++) {
      const char = this.pending[i];
      if (char !== '\n' && char !== '\r') continue;
      // A `\r` last in the text may be the first half of `\r\n`: decide when more text comes.
      if (char === '\r' && i === this.pending.length - 1) break;
      this.takeLine(this.pending.slice(lineStart, i), events);
      if (char === '\r' && this.pending[i + 1] === '\n') i++;
      lineStart = i + 1;
    }
    this.pending = this.pending.slice(lineStart);
    this.scanFrom = this.pending.endsWith('\r') ? this.pending.length - 1 : this.pending.length;
    return events;
  }

  /**
   * Ends the stream. The standard drops an event that no blank line closed; some servers end the
   * stream right after their last `data:` line, so that event is kept.
   */
  end(): string[] {
    const events: string[] = [];
    if (this.pending !== '') this.takeLine(this.pending.replace(/\r$/, ''), events);
    this.pending = '';
    this.scanFrom = 0;
    this.takeLine('', events);
    return events;
  }

  private takeLine(line: string, events: string[]): void {
    if (line === '') {
      const data = this.dataLines.join('\n');
      this.dataLines = [];
      if (data !== '') events.push(data);
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    if (field !== 'data') return;
    const value = colon < 0 ? '' : line.slice(colon + 1);
    this.dataLines.push(value.startsWith(' ') ? value.slice(1) : value);
  }
}
