import { expect, waitUntil } from "@open-wc/testing";
import { executeServerCommand } from "@web/test-runner-commands";
import type { OpenRouterAuth } from "../../widget/index.js";
import { endpoint, gatewayUrl, signOut } from "./support.js";

/**
 * The shipped bundle, as the gateway serves it at /openrouter-auth.js (built by
 * `npm run build:widget`), in a page whose CSP allows no inline script or style at all.
 */
describe("the /openrouter-auth.js bundle", () => {
  beforeEach(signOut);

  it("is Lit's production build, served by the gateway", async () => {
    const response = await fetch(`${gatewayUrl}/openrouter-auth.js`);
    expect(response.status, "run `npm run build:widget` first").to.equal(200);
    expect(response.headers.get("content-type")).to.match(/javascript/);
    const source = await response.text();
    expect(source).not.to.contain("Lit is in dev mode");
    expect(source).to.contain('customElements.define("openrouter-auth"');
  });

  it("speaks English by itself and imports every other language from beside it, on demand", async () => {
    const source = await (await fetch(`${gatewayUrl}/openrouter-auth.js`)).text();
    expect(source).to.contain("Connect to OpenRouter");
    expect(source, "German words are in the bundle").not.to.contain("Mit OpenRouter verbinden");
    for (const lang of ["de", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt-BR", "tr", "zh-CN", "zh-TW"]) {
      expect(source).to.contain(`import("./openrouter-auth-locales/${lang}.js")`);
    }
  });

  it("weighs at most 12 KB (12,288 bytes) gzip, Lit included", async () => {
    const size = (await executeServerCommand("gzip-size", { path: "/openrouter-auth.js" })) as number;
    expect(size).to.be.greaterThan(5000);
    expect(size, `${size} bytes gzip`).to.be.at.most(12 * 1024);
  });

  it("loads the parts only some users need from beside it, on demand: error words and the OAuth popup watch", async () => {
    const source = await (await fetch(`${gatewayUrl}/openrouter-auth.js`)).text();
    expect(source, "the English error words are not in the bundle").not.to.contain("OpenRouter didn't accept this key");
    expect(source, "nor the reading of the popup's messages").not.to.contain("OAUTH_EXCHANGE_FAILED");
    for (const part of ["error-words", "oauth-popup-watch"]) {
      expect(source).to.contain(`import("./openrouter-auth-locales/${part}.js")`);
      const served = await fetch(`${gatewayUrl}/openrouter-auth-locales/${part}.js`);
      expect(served.status, part).to.equal(200);
    }
  });

  it("works under a strict CSP without 'unsafe-inline', styled, in light and dark", async () => {
    const csp = `default-src 'none'; script-src ${gatewayUrl}; connect-src ${gatewayUrl}; style-src 'none'`;
    const frame = document.createElement("iframe");
    frame.srcdoc = `<!doctype html>
      <html lang="en">
        <head>
          <meta http-equiv="Content-Security-Policy" content="${csp}">
          <title>Strict CSP host</title>
          <script type="module" src="${gatewayUrl}/openrouter-auth.js"></script>
        </head>
        <body><openrouter-auth endpoint="${endpoint}"></openrouter-auth></body>
      </html>`;
    const loaded = new Promise((resolve) => frame.addEventListener("load", resolve, { once: true }));
    document.body.append(frame);
    try {
      await loaded;
      const doc = frame.contentDocument!;
      const el = doc.querySelector("openrouter-auth") as OpenRouterAuth;
      const button = () => el.shadowRoot?.querySelector<HTMLElement>('[part="connect-button"]');
      await waitUntil(button, "the element did not render its Connect button", { timeout: 5000 });

      const accent = () => frame.contentWindow!.getComputedStyle(button()!).backgroundColor;
      expect(accent(), "adopted stylesheets apply despite style-src 'none'").to.equal("rgb(59, 79, 216)");
      // CSSOM is not inline style: the host can still set the documented custom properties.
      el.style.setProperty("--openrouter-auth-color-scheme", "dark");
      expect(accent(), "--openrouter-auth-color-scheme: dark").to.equal("rgb(154, 168, 255)");
      el.style.setProperty("--openrouter-auth-accent", "rgb(1, 2, 3)");
      expect(accent(), "--openrouter-auth-accent").to.equal("rgb(1, 2, 3)");
    } finally {
      frame.remove();
    }
  });
});
