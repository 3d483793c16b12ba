import { expect, fixture, html, waitUntil } from "@open-wc/testing";
import { OpenRouterAuth } from "../../widget/index.js";
import { endpoint, gatewayUrl, keys, part, settled, signOut, signInThroughDialog, submitKey } from "./support.js";

/** How `Intl` writes a dollar amount in `locale`: the element must write it the same way. */
const dollars = (amount: number, locale: string) =>
  new Intl.NumberFormat(locale, { style: "currency", currency: "USD" }).format(amount);

const connectText = (el: OpenRouterAuth) => part(el, "connect-button")?.textContent?.trim();

describe("<openrouter-auth> language", () => {
  beforeEach(signOut);

  it('speaks German with lang="de": German words and German money', async () => {
    const el = await fixture<OpenRouterAuth>(html`<openrouter-auth lang="de" endpoint=${endpoint}></openrouter-auth>`);
    await settled(el);
    await waitUntil(() => connectText(el) === "Mit OpenRouter verbinden", "the German strings did not load", { timeout: 5000 });
    await signInThroughDialog(el, keys.valid);
    expect(part(el, "method")!.textContent).to.equal("API-Schlüssel");
    expect(dollars(25.5, "de")).to.match(/^25,50\s\$$/);
    expect(part(el, "usage")!.textContent).to.equal(`${dollars(25.5, "de")} verbraucht / ${dollars(100, "de")}`);
    expect(part(el, "disconnect-button")!.textContent).to.equal("Trennen");
    await expect(el).to.be.accessible();
  });

  it("takes the language of its closest ancestor with lang, and follows the document's changes", async () => {
    const wrapper = await fixture<HTMLDivElement>(html`<div lang="fr-CA"><openrouter-auth endpoint=${endpoint}></openrouter-auth></div>`);
    const el = wrapper.querySelector("openrouter-auth")!;
    await settled(el);
    await waitUntil(() => connectText(el) === "Se connecter à OpenRouter", "fr-CA did not pick French", { timeout: 5000 });
    wrapper.lang = "ja";
    await waitUntil(() => connectText(el) === "OpenRouter に接続", "a changed ancestor lang did not re-render", { timeout: 5000 });
  });

  it("re-renders in the new language when its own lang changes", async () => {
    const el = await fixture<OpenRouterAuth>(html`<openrouter-auth lang="es" endpoint=${endpoint}></openrouter-auth>`);
    await settled(el);
    await waitUntil(() => connectText(el) === "Conectar con OpenRouter", "Spanish did not load", { timeout: 5000 });
    el.lang = "zh-CN";
    await waitUntil(() => connectText(el) === "连接 OpenRouter", "Chinese did not load", { timeout: 5000 });
    el.removeAttribute("lang");
    await waitUntil(() => connectText(el) === "Connect to OpenRouter", "without lang, the page's English", { timeout: 5000 });
  });

  it("speaks each of its languages, loaded on demand", async () => {
    const connect = { it: "Connetti a OpenRouter", ko: "OpenRouter 연결", nl: "Verbinden met OpenRouter", pl: "Połącz z OpenRouter", tr: "OpenRouter'a bağlan" };
    for (const [lang, words] of Object.entries(connect)) {
      const el = await fixture<OpenRouterAuth>(html`<openrouter-auth lang=${lang} endpoint=${endpoint}></openrouter-auth>`);
      await settled(el);
      await waitUntil(() => connectText(el) === words, `${lang} did not load`, { timeout: 5000 });
      expect(part(el, "base")!.lang).to.equal(lang);
    }
  });

  it("writes Chinese in Traditional characters for Taiwan, Hong Kong, Macau and Hant, and in Simplified elsewhere", async () => {
    const expected = { "zh-TW": "連結 OpenRouter", "zh-HK": "連結 OpenRouter", "zh-MO": "連結 OpenRouter", "zh-Hant": "連結 OpenRouter", zh: "连接 OpenRouter", "zh-CN": "连接 OpenRouter", "zh-SG": "连接 OpenRouter", "zh-Hans-HK": "连接 OpenRouter" };
    for (const [lang, words] of Object.entries(expected)) {
      const el = await fixture<OpenRouterAuth>(html`<openrouter-auth lang=${lang} endpoint=${endpoint}></openrouter-auth>`);
      await settled(el);
      await waitUntil(() => connectText(el) === words, `lang="${lang}" did not show ${words} (shows ${connectText(el)})`, { timeout: 5000 });
    }
  });

  it("falls back to English for a language it does not know", async () => {
    const el = await fixture<OpenRouterAuth>(html`<openrouter-auth lang="sw" endpoint=${endpoint}></openrouter-auth>`);
    await settled(el);
    expect(connectText(el)).to.equal("Connect to OpenRouter");
    expect(part(el, "base")!.lang, "the words are marked as English").to.equal("en");
  });

  it("takes a host's words over its own: the strings property, and a registered language", async () => {
    const el = await fixture<OpenRouterAuth>(html`<openrouter-auth lang="pt-BR" endpoint=${endpoint}></openrouter-auth>`);
    el.strings = { connect: "Ligar a minha conta" };
    await settled(el);
    expect(connectText(el)).to.equal("Ligar a minha conta");
    expect(el.shadowRoot!.querySelector("h2")!.textContent, "the override also names the dialog").to.equal("Ligar a minha conta");

    OpenRouterAuth.registerLocale("ca", { connect: "Connecta OpenRouter" });
    const catalan = await fixture<OpenRouterAuth>(html`<openrouter-auth lang="ca" endpoint=${endpoint}></openrouter-auth>`);
    await settled(catalan);
    expect(connectText(catalan)).to.equal("Connecta OpenRouter");
    expect(part(catalan, "base")!.lang).to.equal("ca");
  });

  it("tells an error in the element's language, in the event and on screen", async () => {
    const el = await fixture<OpenRouterAuth>(html`<openrouter-auth lang="de" endpoint=${endpoint}></openrouter-auth>`);
    await settled(el);
    await waitUntil(() => connectText(el) === "Mit OpenRouter verbinden", "the German strings did not load", { timeout: 5000 });
    const error = new Promise<string>((resolve) => el.addEventListener("openrouter-auth-error", (e) => resolve(e.detail.message), { once: true }));
    await submitKey(el, keys.disabled);
    const message = await error;
    expect(message).to.equal("OpenRouter hat diesen Schlüssel nicht akzeptiert. Prüfen Sie, ob er korrekt und noch aktiv ist.");
    await el.updateComplete;
    expect(part<HTMLDialogElement>(el, "dialog")!.querySelector('[role="alert"]')!.textContent).to.equal(message);
  });

  it("loads a language from beside the built bundle (dist/openrouter-auth-locales/)", async () => {
    // The built bundle, served here by the test server as the gateway serves it at its root: the
    // language file must be found next to it.
    const frame = document.createElement("iframe");
    frame.srcdoc = `<!doctype html>
      <html lang="de">
        <head><title>Bundle host</title><script type="module" src="${location.origin}/dist/openrouter-auth.js"></script></head>
        <body><openrouter-auth endpoint="${endpoint}"></openrouter-auth></body>
      </html>`;
    const loaded = new Promise((resolve) => frame.addEventListener("load", resolve, { once: true }));
    document.body.append(frame);
    try {
      await loaded;
      const el = frame.contentDocument!.querySelector("openrouter-auth") as OpenRouterAuth;
      const button = () => el.shadowRoot?.querySelector('[part="connect-button"]')?.textContent;
      await waitUntil(() => button() === "Mit OpenRouter verbinden", `the bundle did not load German (run \`npm run build:widget\`; gateway ${gatewayUrl})`, { timeout: 5000 });
    } finally {
      frame.remove();
    }
  });
});
