import { CLIENT_CLOSED_REQUEST, type AccessLogFields, type AccessLogNote } from "../http/request-log.js";
import { redactText } from "../logging/redact.js";
import type { CutOnClose } from "./completions-in-flight.js";
import type { ForwardResult } from "./forward.js";

/** Model ids are short; a longer one is someone else's input, and the log keeps this much of it. */
const MODEL_LOGGED_CHARS = 200;

/**
 * What a proxied completion adds to its request's access-log line, filled in as the request goes:
 * the model and whether it streams, then how forwarding went (OpenRouter's status, the outcome,
 * the bytes passed on). Only values the proxy builds itself: never a header, a body or the key.
 */
export class CompletionLog implements AccessLogNote, CutOnClose {
  #model: string | undefined = undefined;
  #stream: boolean | undefined = undefined;
  /** Whether the gateway cut it, closing while it still ran past the bound. */
  #cut = false;
  /** Set once the completion goes upstream; settles soon after the answer ends or the client leaves. */
  forwarding: Promise<ForwardResult> | undefined = undefined;

  /** What the client asked for. The model is the client's text, so it is cut and redacted like a path. */
  asked(model: string | undefined, stream: boolean | undefined): void {
    this.#model = model === undefined ? undefined : redactText(model.slice(0, MODEL_LOGGED_CHARS));
    this.#stream = stream;
  }

  cutOnClose(): void {
    this.#cut = true;
  }

  fieldsAt(status: number): AccessLogFields | Promise<AccessLogFields> {
    if (this.forwarding === undefined) return this.#fields(undefined, status);
    // A rejection is OpenRouter giving no answer at all: the gateway's error (its status) says so.
    return this.forwarding.then(
      (result) => this.#fields(result, status),
      () => this.#fields(undefined, status),
    );
  }

  #fields(result: ForwardResult | undefined, status: number): AccessLogFields {
    return {
      model: this.#model,
      stream: this.#stream,
      upstreamStatus: result?.upstreamStatus,
      outcome: this.#cut ? "gateway-closed" : (result?.outcome ?? (status === CLIENT_CLOSED_REQUEST ? "client-left" : status >= 500 ? "failed" : "refused")),
      bytes: result?.bytes ?? 0,
    };
  }
}
