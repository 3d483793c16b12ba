import { expect, fixture, html, waitUntil } from "@open-wc/testing";
import { executeServerCommand } from "@web/test-runner-commands";
import type { OpenRouterAuth } from "../../widget/index.js";
import { endpoint, gql, part, settled, signInThroughDialog, signOut } from "./support.js";

/** A new account at the OpenRouter stand-in, with these values; answers its key. */
const addAccount = async (values: Record<string, unknown>) => (await executeServerCommand("add-account", values)) as string;

/** Money as the element writes it in `lang`: OpenRouter's credits are US dollars. */
const money = (lang: string) => new Intl.NumberFormat(lang, { style: "currency", currency: "USD" }).format;

/**
 * The page's own call through the gateway's proxy, as a page makes it: a chat completion that the
 * stand-in prices by its words (1,500 of them, at GPT-4o's prices: about two cents). Answers its cost.
 */
async function spend(gatewayUrl: string): Promise<number> {
  const response = await fetch(`${gatewayUrl}/api/v1/openrouter/proxy/chat/completions`, {
    method: "POST",
    credentials: "include",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "openai/gpt-4o", messages: [{ role: "user", content: Array(1500).fill("word").join(" ") }] }),
  });
  expect(response.status).to.equal(200);
  const { usage } = (await response.json()) as { usage: { cost: number } };
  return usage.cost;
}

/** The element's budget line once it reads `text`; fails after a bounded wait with what it read. */
async function budgetReads(el: OpenRouterAuth, text: string): Promise<void> {
  await waitUntil(() => part(el, "budget")?.textContent === text, `the budget never read "${text}" (it read "${part(el, "budget")?.textContent}")`, {
    timeout: 5000,
  });
}

describe("<openrouter-auth> and the proxy's spend budget", () => {
  /** A second gateway on the same stack, with PROXY_SPEND_LIMIT=5; the default one sets none. */
  let budgetGatewayUrl: string;

  before(async () => {
    budgetGatewayUrl = (await executeServerCommand("budget-gateway")) as string;
  });
  beforeEach(signOut);

  it('shows what the page spent through the proxy, of the budget, in German money beside the key\'s own limit with lang="de", read again when the status refreshes', async () => {
    const key = await addAccount({ limit: 20, usage: 2 });
    const el = await fixture<OpenRouterAuth>(html`<openrouter-auth lang="de" endpoint="${budgetGatewayUrl}/graphql"></openrouter-auth>`);
    await settled(el);
    await waitUntil(() => part(el, "connect-button")?.textContent === "Mit OpenRouter verbinden", "the German strings did not load", { timeout: 5000 });
    await signInThroughDialog(el, key);
    const de = money("de");
    expect(de(5)).to.match(/^5,00\s\$$/);
    await budgetReads(el, `${de(0)} von ${de(5)} hier ausgegeben`);
    expect(part(el, "usage")!.textContent, "the key's own limit, beside it").to.equal(`${de(2)} verbraucht / ${de(20)}`);

    const cost = await spend(budgetGatewayUrl);
    expect(de(cost), "a cost the display can tell from nothing").not.to.equal(de(0));
    await el.refresh();
    await budgetReads(el, `${de(cost)} von ${de(5)} hier ausgegeben`);
    await expect(el).to.be.accessible();
  });

  it("shows it in English by default, and reads it again on the element's refresh cycle after the page's own proxy calls", async () => {
    const key = await addAccount({ limit: 20 });
    const el = await fixture<OpenRouterAuth>(
      html`<openrouter-auth endpoint="${budgetGatewayUrl}/graphql" refresh-interval="1"></openrouter-auth>`,
    );
    await settled(el);
    await signInThroughDialog(el, key);
    const en = money("en");
    await budgetReads(el, `${en(0)} of ${en(5)} spent here`);
    const cost = (await spend(budgetGatewayUrl)) + (await spend(budgetGatewayUrl));
    // No call from the test: the element's periodic status refresh brings the new amount.
    await budgetReads(el, `${en(cost)} of ${en(5)} spent here`);
  });

  it("shows no budget from a gateway that sets none", async () => {
    const key = await addAccount({ limit: 20 });
    const el = await fixture<OpenRouterAuth>(html`<openrouter-auth endpoint="${budgetGatewayUrl}/graphql"></openrouter-auth>`);
    await settled(el);
    await signInThroughDialog(el, key);
    await budgetReads(el, `${money("en")(0)} of ${money("en")(5)} spent here`);

    // The default test gateway sets no PROXY_SPEND_LIMIT: the same session reads no budget there.
    const { data } = await gql<{ data: { proxyBudget: unknown } }>("{ proxyBudget { spent limit } }");
    expect(data.proxyBudget).to.be.null;
    el.endpoint = endpoint;
    await waitUntil(() => !part(el, "budget"), "the budget stayed on show after the gateway set none", { timeout: 5000 });
    expect(el.authenticated, "still connected, with the key's own limit").to.be.true;
    expect(part(el, "usage")!.textContent).to.contain(money("en")(20));
  });
});
