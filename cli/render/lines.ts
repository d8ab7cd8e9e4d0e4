/**
 * Log data arrives in chunks cut anywhere; renderers print lines. A
 * LineSplitter buffers one stream of one vertex and hands out complete lines.
 */

/** One line of output and the time its first character arrived (epoch ms). */
export interface LogLine {
  readonly text: string;
  readonly time: number;
}

/** A line that never ends is cut here, so one stream cannot grow memory without bound. */
const MAX_LINE = 64 * 1024;

/**
 * What a terminal would finally show for a line: `\r\n` (and stray `\r`s
 * before the `\n`) end it like `\n`; a lone `\r` returns to the start, as
 * progress bars use it, so only the text after the last one is kept.
 */
export function lineText(raw: string): string {
  const s = raw.replace(/\r+$/, '');
  const cr = s.lastIndexOf('\r');
  return cr === -1 ? s : s.slice(cr + 1);
}

/** Splits one stream's chunks into lines; see {@link lineText} for carriage returns. */
export class LineSplitter {
  #buf = '';
  #time = 0;

  /** Adds a chunk received at `time`; returns the lines it completed. */
  push(data: string, time: number): LogLine[] {
    const parts = data.split('\n');
    const out: LogLine[] = [];
    for (let i = 0; i < parts.length - 1; i++) {
      out.push({ text: lineText(this.#buf + (parts[i] ?? '')), time: this.#buf === '' ? time : this.#time });
      this.#buf = '';
    }
    const last = parts[parts.length - 1] ?? '';
    if (last !== '') {
      if (this.#buf === '') this.#time = time;
      this.#buf = compact(this.#buf + last);
      if (this.#buf.length > MAX_LINE) out.push(...this.flush());
    }
    return out;
  }

  /** The unfinished line as it would show now ('' when there is none). */
  partial(): string {
    return lineText(this.#buf);
  }

  /** Ends the unfinished line (the stream closed without a final newline). */
  flush(): LogLine[] {
    const text = lineText(this.#buf);
    this.#buf = '';
    return text === '' ? [] : [{ text, time: this.#time }];
  }
}

/** Drops what a `\r` already overwrote, keeping trailing `\r`s that may yet be a `\r\n`. */
function compact(buf: string): string {
  const core = buf.replace(/\r+$/, '');
  const cr = core.lastIndexOf('\r');
  return cr === -1 ? buf : buf.slice(cr + 1);
}
