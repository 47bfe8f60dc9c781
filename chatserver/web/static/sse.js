// Server-sent events read from a fetch() body, as the ChatKit endpoint
// writes them: `data: <json>\n\n`. The parser follows the SSE rules that
// matter here: LF, CRLF or CR line ends (even split across chunks),
// several data lines joined by "\n", comment lines ignored, other fields
// ignored, and an unfinished event at the end of the stream dropped.

/** SSEParser turns chunks of text into the data of complete events. */
export class SSEParser {
  constructor() {
    this.buf = '';
    this.data = [];
    this.started = false;
  }

  /** push adds text and returns the data strings of the events it completed. */
  push(text) {
    this.buf += text;
    if (!this.started && this.buf.length > 0) {
      this.started = true;
      if (this.buf.charCodeAt(0) === 0xfeff) this.buf = this.buf.slice(1);
    }
    const events = [];
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buf);
      if (!m) break;
      // A CR at the very end may be the first half of a CRLF: wait.
      if (m[0] === '\r' && m.index === this.buf.length - 1) break;
      const line = this.buf.slice(0, m.index);
      this.buf = this.buf.slice(m.index + m[0].length);
      this.line(line, events);
    }
    return events;
  }

  /** end finishes the stream and returns the events a trailing CR completed. */
  end() {
    const events = [];
    if (this.buf.endsWith('\r')) {
      this.buf = this.buf.slice(0, -1);
      this.line(this.buf, events);
      this.buf = '';
    }
    return events;
  }

  // line handles one line of the stream.
  line(line, events) {
    if (line === '') {
      if (this.data.length > 0) events.push(this.data.join('\n'));
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
  }
}

/**
 * readEvents yields the data string of each event of a byte stream (a
 * fetch Response's body). It returns when the stream ends and throws if
 * reading fails (for example when the request is aborted).
 */
export async function* readEvents(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SSEParser();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        yield* parser.push(decoder.decode());
        yield* parser.end();
        return;
      }
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
