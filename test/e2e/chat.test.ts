/**
 * The demo page end to end (the gateway's `/`, what `npm start` and `npm run demo` show): sign in
 * with the test key, pick a model, and chat through the gateway's OpenRouter proxy, the answer
 * arriving chunk by chunk; Stop ends the upstream request; no axe-core violations in the light or
 * the dark scheme.
 *
 * The themed screenshots go to a temporary folder removed after the run; set
 * DEMO_SCREENSHOTS_DIR to keep them in a folder of your choice and look at them.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import { ACTION_TIMEOUT_MS, VIEWPORT, newContext } from "../support/browser.js";
import { DemoPage, startDemoStack, type DemoStack } from "./demo-page.js";
import { AuthElement, seriousAxeViolations } from "./support.js";

const UPSTREAM = "/api/v1/chat/completions";
const MODEL = { id: "anthropic/claude-sonnet-4", name: "Anthropic: Claude Sonnet 4" };

/** Polls `condition` every 10 ms for at most `ms`. */
async function until(condition: () => boolean, what: string, ms = ACTION_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A latch a test opens once; a stream held on it is let go after `ms` at the latest, so nothing hangs. */
function latch(ms = ACTION_TIMEOUT_MS): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
    setTimeout(resolve, ms).unref();
  });
  return { promise, open };
}

describe("the demo page, end to end", () => {
  let setup: DemoStack;
  let context: BrowserContext;
  let page: Page;
  let element: AuthElement;
  let demo: DemoPage;
  /** Uncaught exceptions, and anything the page's Content-Security-Policy blocked. */
  let problems: string[];

  before(async () => {
    setup = await startDemoStack();
  });
  after(async () => {
    await setup?.close();
  });
  beforeEach(async () => {
    setup.stack.stub.setChatPace({});
    setup.stack.stub.clearRequests();
    context = await newContext(setup.browser);
    page = await context.newPage();
    problems = [];
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("console", (message) => {
      if (message.text().includes("Content Security Policy")) problems.push(message.text());
    });
    element = new AuthElement(page);
    demo = new DemoPage(page);
  });
  afterEach(async () => {
    setup.stack.stub.setChatPace({});
    await context.close();
    assert.deepEqual(problems, [], "the page threw or broke its CSP");
  });

  async function signIn(): Promise<void> {
    await element.load(setup.url);
    await element.submitKey(setup.stack.stub.testKeys.valid);
    await element.waitForSignedIn("API key");
    await demo.pickModel(MODEL.name);
  }

  /** The upstream chat completion requests the stand-in has received. */
  const completions = () => setup.stack.stub.requests.filter((request) => request.path === UPSTREAM);

  it("streams the answer into the page chunk by chunk: each chunk is on screen before the next one is sent", async () => {
    await signIn();
    const prompt = "How do streams work?";
    const full = `Echo: ${prompt}`;
    const seen: Array<{ index: number; sentBefore: number | undefined; text: string }> = [];
    setup.stack.stub.setChatPace({
      chunks: 4,
      intervalMs: 0,
      // Holds each chunk after the first until the page shows more of the answer than before.
      beforeChunk: async (index) => {
        const before = seen.at(-1)?.text ?? "";
        const shown = await page.waitForFunction(
          (before) => {
            const text = document.querySelector("#transcript .message.assistant:last-child p")?.textContent ?? "";
            return text.length > before.length ? text : false;
          },
          before,
          { timeout: ACTION_TIMEOUT_MS },
        );
        seen.push({ index, sentBefore: completions().at(-1)?.chunksSent, text: (await shown.jsonValue()) as string });
      },
    });

    await demo.ask(prompt);
    await demo.chatStatus.filter({ hasText: "Done." }).waitFor();

    assert.equal(await demo.answerText(), full, "the whole answer is shown");
    assert.deepEqual(seen.map(({ index, sentBefore }) => [index, sentBefore]), [[1, 1], [2, 2], [3, 3]], "each chunk was held until the page had shown the ones before it");
    for (const [at, { text }] of seen.entries()) {
      assert.ok(full.startsWith(text) && text.length < full.length, `the page showed the start of the answer, not all of it: ${JSON.stringify(text)}`);
      if (at > 0) assert.ok(text.length > seen[at - 1]!.text.length, "and more of it at each chunk");
    }
    const [request] = completions();
    assert.equal(request?.bearer, setup.stack.stub.testKeys.valid, "the gateway called OpenRouter with the session's key");
    assert.deepEqual(request?.body, { model: MODEL.id, stream: true, messages: [{ role: "user", content: prompt }] });
    assert.equal(await element.exposes(setup.stack.stub.testKeys.valid), false, "the key is nowhere in the page");
  });

  it("sends the conversation so far with the next message", async () => {
    await signIn();
    await demo.ask("First question");
    await demo.chatStatus.filter({ hasText: "Done." }).waitFor();
    await demo.ask("Second question");
    await demo.chatStatus.filter({ hasText: "Done." }).waitFor();
    await demo.answer.filter({ hasText: "Echo: Second question" }).waitFor();

    assert.deepEqual((completions()[1]?.body as { messages: unknown }).messages, [
      { role: "user", content: "First question" },
      { role: "assistant", content: "Echo: First question" },
      { role: "user", content: "Second question" },
    ]);
  });

  it("stops an answer with Stop: the upstream request is aborted, the partial answer stays, and the box is ready again", async () => {
    await signIn();
    const hold = latch();
    setup.stack.stub.setChatPace({ chunks: 4, intervalMs: 0, beforeChunk: () => hold.promise });
    try {
      await demo.ask("Count to one hundred");
      await page.waitForFunction(() => (document.querySelector("#transcript .message.assistant:last-child p")?.textContent ?? "") !== "");
      assert.equal(await demo.stop.isEnabled(), true, "Stop is offered while the answer streams");
      assert.equal(await demo.send.isEnabled(), false, "and Send is not");

      await demo.stop.click();
      await demo.chatStatus.filter({ hasText: "Stopped." }).waitFor();
      await until(() => completions()[0]?.aborted === true, "the stand-in saw the request aborted");

      assert.ok(completions()[0]!.chunksSent! < 4, "the answer was cut short upstream");
      const partial = await demo.answerText();
      assert.ok(partial !== "" && "Echo: Count to one hundred".startsWith(partial), `the partial answer stays: ${JSON.stringify(partial)}`);
      assert.equal(await demo.send.isEnabled(), true);
      assert.equal(await demo.stop.isEnabled(), false);
      assert.equal(await page.evaluate(() => document.activeElement?.id), "prompt", "focus returns to the message box rather than being lost");
    } finally {
      hold.open();
    }
  });

  it("says why when the proxy refuses: a signed-out session gets the proxy's UNAUTHENTICATED", async () => {
    await signIn();
    // Another tab signs out: this page still shows the chat, but the session is gone.
    await page.evaluate(() => fetch("/api/v1/openrouter/auth/logout", { method: "POST", credentials: "include" }));
    await demo.ask("Still there?");
    await demo.chatStatus.filter({ hasText: "UNAUTHENTICATED" }).waitFor();
    assert.equal(completions().length, 0, "nothing went upstream");
    assert.equal(await demo.send.isEnabled(), true);
  });

  it("has no serious or critical axe-core violations in the light and the dark scheme, and the element takes the page's colours", async () => {
    const keep = process.env.DEMO_SCREENSHOTS_DIR;
    const screenshots = keep ?? (await mkdtemp(join(tmpdir(), "openrouter-auth-demo-")));
    await mkdir(screenshots, { recursive: true });
    const themed = () =>
      page.evaluate(() => {
        const base = document.querySelector("openrouter-auth")!.shadowRoot!.querySelector("[part=base]")!;
        return { page: getComputedStyle(document.body).color, element: getComputedStyle(base).color, background: getComputedStyle(document.body).backgroundColor };
      });
    // axe is injected as a script tag, which the gateway's CSP would refuse; the other tests
    // check the page under its CSP.
    await context.close();
    context = await setup.browser.newContext({ viewport: VIEWPORT, bypassCSP: true });
    context.setDefaultTimeout(ACTION_TIMEOUT_MS);
    page = await context.newPage();
    page.on("pageerror", (error) => problems.push(error.message));
    element = new AuthElement(page);
    demo = new DemoPage(page);
    try {
      await element.load(setup.url);
      const backgrounds = new Set<string>();
      for (const colorScheme of ["light", "dark"] as const) {
        await page.emulateMedia({ colorScheme });
        assert.deepEqual(await seriousAxeViolations(page), [], `signed out, ${colorScheme}`);
        const colours = await themed();
        assert.equal(colours.element, colours.page, `the element's text has the page's colour (${colorScheme})`);
        backgrounds.add(colours.background);
        await page.screenshot({ path: join(screenshots, `demo-signed-out-${colorScheme}.png`), fullPage: true });
      }
      assert.equal(backgrounds.size, 2, "the page has a light and a dark look");

      await element.connectButton.click();
      await element.keyInput.fill(setup.stack.stub.testKeys.valid);
      for (const colorScheme of ["light", "dark"] as const) {
        await page.emulateMedia({ colorScheme });
        assert.deepEqual(await seriousAxeViolations(page), [], `dialog open, ${colorScheme}`);
        await page.screenshot({ path: join(screenshots, `demo-dialog-${colorScheme}.png`) });
      }
      await page.emulateMedia({ colorScheme: "light" });
      await element.submitButton.click();
      await element.waitForSignedIn("API key");
      await demo.pickModel(MODEL.name);
      await demo.ask("What can this page do?");
      await demo.chatStatus.filter({ hasText: "Done." }).waitFor();
      await demo.prompt.fill("And in dark mode?");
      for (const colorScheme of ["light", "dark"] as const) {
        await page.emulateMedia({ colorScheme });
        assert.deepEqual(await seriousAxeViolations(page), [], `signed in with an answer, ${colorScheme}`);
        const colours = await themed();
        assert.equal(colours.element, colours.page, `the element's text has the page's colour (${colorScheme})`);
        await page.screenshot({ path: join(screenshots, `demo-chat-${colorScheme}.png`), fullPage: true });
      }
    } finally {
      if (keep === undefined) await rm(screenshots, { recursive: true, force: true });
    }
  });
});
