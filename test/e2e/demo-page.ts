/**
 * The gateway's own demo page (`/`, what `npm start` and `npm run demo` show) for the end-to-end
 * tests: the stack behind it, and its controls found by role and name as a user meets them.
 */
import type { Browser, Locator, Page } from "playwright-core";
import { launchChromium } from "../support/browser.js";
import { startTestStack, type TestStack } from "../support/gateway.js";
import { ensureElementBundle } from "./support.js";

export interface DemoStack {
  readonly stack: TestStack;
  readonly browser: Browser;
  /** The demo page: the gateway's `/`. */
  readonly url: string;
  close(): Promise<void>;
}

/** The standalone gateway on http://localhost:PORT with a real Redis and the OpenRouter stand-in, and a headless Chromium. */
export async function startDemoStack(): Promise<DemoStack> {
  await ensureElementBundle();
  const stack = await startTestStack({ hostname: "localhost" });
  const browser = await launchChromium();
  return {
    stack,
    browser,
    url: `${stack.gatewayUrl}/`,
    async close() {
      await browser.close();
      await stack.close();
    },
  };
}

/** The demo page's own controls (the element's are in `AuthElement`). */
export class DemoPage {
  readonly modelSelect: Locator;
  readonly prompt: Locator;
  readonly send: Locator;
  readonly stop: Locator;
  readonly conversation: Locator;
  /** The text of the latest answer. */
  readonly answer: Locator;
  readonly chatStatus: Locator;

  constructor(readonly page: Page) {
    this.modelSelect = page.getByRole("combobox", { name: "Model", exact: true });
    this.prompt = page.getByLabel("Message", { exact: true });
    this.send = page.getByRole("button", { name: "Send" });
    this.stop = page.getByRole("button", { name: "Stop" });
    this.conversation = page.getByRole("log", { name: "Conversation" });
    this.answer = this.conversation.locator(".message.assistant p").last();
    this.chatStatus = page.locator("#chat").getByRole("status");
  }

  /** Waits until the models are listed, then picks one by its name. */
  async pickModel(name: string): Promise<void> {
    await this.modelSelect.locator("option", { hasText: name }).first().waitFor({ state: "attached" });
    await this.modelSelect.selectOption({ label: name });
  }

  /** Types a message and presses Send. */
  async ask(text: string): Promise<void> {
    await this.prompt.fill(text);
    await this.send.click();
  }

  /** The latest answer's text as the page shows it now. */
  async answerText(): Promise<string> {
    return (await this.answer.textContent()) ?? "";
  }
}
