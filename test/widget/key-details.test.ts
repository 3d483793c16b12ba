import { expect, fixture, html, waitUntil } from "@open-wc/testing";
import { executeServerCommand } from "@web/test-runner-commands";
import type { OpenRouterAuth } from "../../widget/index.js";
import { endpoint, keys, part, renderElement, settled, signOut, signInThroughDialog, startOAuthSignIn } from "./support.js";

/** A new account at the OpenRouter stand-in, with these values; answers its key. */
const addAccount = async (values: Record<string, unknown>) => (await executeServerCommand("add-account", values)) as string;

const EXPIRES_AT = "2031-05-04T12:00:00Z";

describe("<openrouter-auth> key details", () => {
  beforeEach(signOut);

  it('shows the credits left and the expiry in German money and dates with lang="de"', async () => {
    const key = await addAccount({ limit: 20, usage: 7.5, expiresAt: EXPIRES_AT });
    const el = await fixture<OpenRouterAuth>(html`<openrouter-auth lang="de" endpoint=${endpoint}></openrouter-auth>`);
    await settled(el);
    await waitUntil(() => part(el, "connect-button")?.textContent === "Mit OpenRouter verbinden", "the German strings did not load", { timeout: 5000 });
    await signInThroughDialog(el, key);

    const left = new Intl.NumberFormat("de", { style: "currency", currency: "USD" }).format(12.5);
    expect(left).to.match(/^12,50\s\$$/);
    expect(part(el, "remaining")!.textContent).to.equal(`${left} übrig`);
    const date = new Intl.DateTimeFormat("de", { dateStyle: "medium" }).format(new Date(EXPIRES_AT));
    expect(date).to.equal("04.05.2031");
    expect(part(el, "expiry")!.textContent).to.equal(`Läuft ab am ${date}`);
    expect(el.user!.keyExpiresAt, "the change event's user carries the details too").to.equal("2031-05-04T12:00:00.000Z");
    await expect(el).to.be.accessible();
  });

  it("shows neither credits left nor an expiry for an unlimited key that does not expire", async () => {
    const el = await renderElement();
    await settled(el);
    await signInThroughDialog(el, keys.unlimited);
    expect(part(el, "usage")!.textContent).to.contain("no limit");
    expect(part(el, "remaining")).to.be.null;
    expect(part(el, "expiry")).to.be.null;
  });

  it("links to OpenRouter's keys page, where the user manages or revokes the key, in a new tab", async () => {
    const el = await renderElement();
    await settled(el);
    await signInThroughDialog(el, keys.valid);
    const link = part<HTMLAnchorElement>(el, "manage-link")!;
    expect(link.href).to.equal("https://openrouter.ai/settings/keys");
    expect(link.textContent).to.equal("Manage key on OpenRouter");
    expect(link.target).to.equal("_blank");
    expect(link.rel).to.equal("noopener");
    expect(part(el, "remaining")!.textContent).to.equal("$74.50 left");
    expect(part(el, "key-note"), "a pasted key is the user's own: no note").to.be.null;
  });

  it("says after an OpenRouter sign-in that Disconnect leaves the key valid on OpenRouter until revoked there", async () => {
    const { el, change } = await startOAuthSignIn();
    await executeServerCommand("oauth-popup", { action: "approve" });
    await change;
    await el.updateComplete;
    expect(part(el, "key-note")!.textContent).to.equal(
      "Disconnecting does not revoke the key: it stays valid on OpenRouter until you revoke it there.",
    );
    expect(part<HTMLAnchorElement>(el, "manage-link")!.href).to.equal("https://openrouter.ai/settings/keys");
    await expect(el).to.be.accessible();
  });
});
