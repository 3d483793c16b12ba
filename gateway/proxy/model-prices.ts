import type { OpenRouterClient } from "../openrouter/client.js";

/** OpenRouter's prices change seldom; the list is read again after this long. */
const CACHE_MS = 10 * 60_000;

/**
 * The most an answer could have cost, from OpenRouter's model list (`GET /models`, read with the
 * user's key and kept a while): what a request whose usage never arrived (a stream cut before
 * its last event) is counted at, so that cutting answers is no way round the spend budget.
 */
export class ModelPrices {
  readonly #openrouter: OpenRouterClient;
  readonly #now: () => number;
  #list: { readonly byId: ReadonlyMap<string, Price>; readonly highest: Price; readonly until: number } | undefined;
  #reading: Promise<void> | undefined;

  constructor(openrouter: OpenRouterClient, now: () => number = Date.now) {
    this.#openrouter = openrouter;
    this.#now = now;
  }

  /**
   * `maxTokens` completion tokens at the model's completion price; without `maxTokens`, the
   * model's whole context. A model the list does not know is priced as the dearest one it does.
   * @throws UPSTREAM_UNAVAILABLE when the list cannot be read
   */
  async mostCostOf(apiKey: string, model: string | undefined, maxTokens: number | undefined): Promise<number> {
    if (this.#list === undefined || this.#list.until <= this.#now()) {
      this.#reading ??= this.#read(apiKey).finally(() => (this.#reading = undefined));
      await this.#reading;
    }
    const list = this.#list!;
    const price = (model === undefined ? undefined : list.byId.get(model)) ?? list.highest;
    return (maxTokens ?? price.contextLength) * price.completion;
  }

  async #read(apiKey: string): Promise<void> {
    const models = await this.#openrouter.listModels(apiKey);
    const byId = new Map<string, Price>();
    let highest: Price = { completion: 0, contextLength: 0 };
    for (const model of models) {
      const completion = Number(model.completionPrice ?? 0);
      const price = { completion: Number.isFinite(completion) && completion > 0 ? completion : 0, contextLength: model.contextLength ?? 0 };
      byId.set(model.id, price);
      if (price.completion > highest.completion) highest = { ...price };
      if (price.contextLength > highest.contextLength) highest = { ...highest, contextLength: price.contextLength };
    }
    this.#list = { byId, highest, until: this.#now() + CACHE_MS };
  }
}

interface Price {
  /** Credits per completion token. */
  readonly completion: number;
  readonly contextLength: number;
}
