import { expect, waitUntil } from "@open-wc/testing";
import { popupWords, watchPopup, type PopupOutcome } from "../../widget/oauth-popup-watch.js";
import { gatewayUrl } from "./support.js";

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

  describe("the gateway's relay frame, for a popup cut off from this page", () => {
    const CALLBACK = `${gatewayUrl}/api/v1/openrouter/auth/oauth/callback?state=s1`;
    const authUrl = `http://openrouter.test/auth?callback_url=${encodeURIComponent(CALLBACK)}&code_challenge=c`;
    let parent: HTMLDivElement;
    beforeEach(() => {
      parent = document.createElement("div");
      document.body.append(parent);
    });
    afterEach(() => parent.remove());

    it("is put beside the callback, for this page's origin, in the element's language and words, and removed when the watch ends", async () => {
      const popup = frameThatPosts({ type: "openrouter-auth", ok: false, error: "OAUTH_EXCHANGE_FAILED" }, "same");
      const abort = new AbortController();
      const done = watchPopup({ popup, origin: location.origin, state: "s1", check: async () => false, signal: abort.signal, interval: 600_000, relay: { authUrl, parent, lang: "de", words: { popupDone: "Fertig." }, onLate: () => undefined } });
      const frame = parent.querySelector("iframe")!;
      expect(frame.hidden).to.equal(true);
      const src = new URL(frame.src);
      expect(`${src.origin}${src.pathname}`).to.equal(`${gatewayUrl}/api/v1/openrouter/auth/oauth/relay`);
      expect(Object.fromEntries(src.searchParams)).to.deep.equal({ origin: location.origin, lang: "de", done: "Fertig.", failed: popupWords.popupFailed });
      expect(await done).to.deep.equal({ type: "error", code: "OAUTH_EXCHANGE_FAILED" });
      expect(parent.querySelector("iframe"), "the frame outlived the watch").to.equal(null);
    });

    it("stays after the popup reads as closed, until the watch's deadline: the popup may only have been cut off", async () => {
      const cutOff = frameThatPosts({}, "same");
      frames.splice(0).forEach((frame) => frame.remove());
      expect(cutOff.closed).to.equal(true);
      const abort = new AbortController();
      const outcome = await watchPopup({ popup: cutOff, origin: location.origin, state: "s1", check: async () => false, signal: abort.signal, interval: 10, timeout: 1_000, relay: { authUrl, parent, lang: "en", words: {}, onLate: () => undefined } });
      expect(outcome).to.deep.equal({ type: "closed" });
      expect(parent.querySelector("iframe"), "the relay frame left with the watch").not.to.equal(null);
      await waitUntil(() => parent.querySelector("iframe") === null, "the relay frame stayed past the deadline", { timeout: 5_000 });
    });

    it("is not made for an authUrl without a callback_url", async () => {
      const popup = frameThatPosts({ type: "openrouter-auth", ok: true }, "same");
      const abort = new AbortController();
      const done = watchPopup({ popup, origin: location.origin, state: "s1", check: async () => false, signal: abort.signal, interval: 600_000, relay: { authUrl: "http://openrouter.test/auth", parent, lang: "en", words: {}, onLate: () => undefined } });
      expect(parent.querySelector("iframe")).to.equal(null);
      expect(await done).to.deep.equal({ type: "ok" });
    });
  });
});
