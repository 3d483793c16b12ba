// Reads a server-sent event stream (a fetch Response body) as OpenRouter and the gateway's proxy
// send it: `data:` lines carry JSON chunks, lines starting with `:` are keep-alive comments,
// a blank line ends an event, and `data: [DONE]` ends the answer.
// @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation

/** Yields each event's data (its `data:` lines joined by "\n") as it arrives, until `[DONE]` or the end of the body. */
export async function* readEventData(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let data = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      const lines = buffer.split(/\r\n|\r|\n/);
      // The last piece may be half a line: keep it for the next read.
      buffer = lines.pop();
      for (const line of lines) {
        if (line === "") {
          if (data.length === 0) continue;
          const event = data.join("\n");
          data = [];
          if (event === "[DONE]") return;
          yield event;
        } else if (line.startsWith("data:")) {
          data.push(line.slice(line.startsWith("data: ") ? 6 : 5));
        }
        // Comment lines (":"), and fields this reader has no use for (event:, id:, retry:), are skipped.
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
