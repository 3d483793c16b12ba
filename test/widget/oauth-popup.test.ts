import { expect } from "@open-wc/testing";
import { watchPopup, type PopupOutcome } from "../../widget/oauth-popup-watch.js";

/**
 * Which messages the element believes while it waits for the OAuth popup. Real windows post real
 * messages: the "popup" and the other windows are frames that post to this page when they load.
 */
describe("the OAuth popup watch", () => {
  const frames: HTMLIFrameElement[] = [];
  afterEach(() => frames.splice(0).forEach((frame) => frame.remove()));

  /** A frame that posts `message` to this page once loaded: from this page's origin, or from an opaque one. */
  function frameThatPosts(message: object, origin: "same" | "other"): Window {
    const frame = document.createElement("iframe");
    const page = `<script>parent.postMessage(${JSON.stringify(message)}, "*")</script>`;
    if (origin === "same") frame.srcdoc = page;
    else frame.src = `data:text/html,${encodeURIComponent(page)}`;
    document.body.append(frame);
    frames.push(frame);
    return frame.contentWindow!;
  }

  /** Resolves once this page has received a message from `source`. */
  const delivered = (source: Window) =>
    new Promise<void>((resolve) => {
      const listener = (event: MessageEvent) => {
        if (event.source !== source) return;
        removeEventListener("message", listener);
        // The watch's own listener has run by now; one more task lets its outcome settle.
        setTimeout(resolve);
      };
      addEventListener("message", listener);
    });

  /** Watches `popup` for a sign-in from `origin` with state "s1"; the status poll never fires. */
  function watch(popup: Window, origin = location.origin) {
    const abort = new AbortController();
    let outcome: PopupOutcome | undefined;
    const done = watchPopup({ popup, origin, state: "s1", check: async () => false, signal: abort.signal, interval: 600_000 });
    void done.then((o) => (outcome = o));
    return { outcome: () => outcome, done, stop: () => abort.abort() };
  }

  it("believes the popup it opened when it speaks from the gateway's origin", async () => {
    const popup = frameThatPosts({ type: "openrouter-auth", ok: false, error: "OAUTH_EXCHANGE_FAILED" }, "same");
    const { done } = watch(popup);
    expect(await done).to.deep.equal({ type: "error", code: "OAUTH_EXCHANGE_FAILED" });
  });

  it("ignores {ok:true} from the popup once it shows another origin than the gateway's", async () => {
    const popup = frameThatPosts({ type: "openrouter-auth", ok: true }, "other");
    const { outcome, stop } = watch(popup);
    await delivered(popup);
    expect(outcome(), "a message from another origin ended the watch").to.equal(undefined);
    stop();
  });

  it("ignores {ok:true} from another window of the gateway's origin than its popup", async () => {
    const popup = frameThatPosts({ type: "openrouter-auth", ok: false, error: "OAUTH_STATE_INVALID" }, "other");
    const { outcome, stop } = watch(popup);
    const intruder = frameThatPosts({ type: "openrouter-auth", ok: true }, "same");
    await delivered(intruder);
    expect(outcome(), "a message from another window ended the watch").to.equal(undefined);
    stop();
  });

  it("relays a code only for the state it started", async () => {
    const popup = frameThatPosts({ type: "openrouter-auth", code: "c0de", state: "someone-elses" }, "same");
    const { outcome, stop } = watch(popup);
    await delivered(popup);
    expect(outcome(), "a relay for another state ended the watch").to.equal(undefined);
    stop();

    const own = frameThatPosts({ type: "openrouter-auth", code: "c0de", state: "s1" }, "same");
    expect(await watch(own).done).to.deep.equal({ type: "relay", code: "c0de", state: "s1" });
  });
});
