/**
 * The element's languages, read as the modules they are: every built-in language says everything
 * English says, keeps the placeholders its amounts and dates go into, and is one the element picks.
 */
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import errorWords from "../../../widget/error-words.js";
import { pickLocale } from "../../../widget/localize.js";
import { popupWords } from "../../../widget/oauth-popup-watch.js";
import { en } from "../../../widget/strings.js";

const LOCALES = fileURLToPath(new URL("../../../widget/locales/", import.meta.url));
const english: Record<string, string> = { ...en, ...errorWords, ...popupWords };
const placeholders = (text: string) => (text.match(/\{\w+\}/g) ?? []).sort();

const tags = (await readdir(LOCALES)).filter((file) => file.endsWith(".ts")).map((file) => file.replace(/\.ts$/, ""));

describe("the element's built-in languages", () => {
  it("are English and at least twelve more, Traditional Chinese, Korean, Italian, Dutch, Polish and Turkish among them", () => {
    assert.ok(tags.length >= 12, `only ${tags.join(", ")}`);
    for (const tag of ["zh-TW", "ko", "it", "nl", "pl", "tr"]) assert.ok(tags.includes(tag), tag);
  });

  for (const tag of tags) {
    it(`${tag}: says everything English says, with the same placeholders, and nothing English does not`, async () => {
      const { default: strings } = (await import(`${LOCALES}${tag}.ts`)) as { default: Record<string, string> };
      assert.deepEqual(Object.keys(strings).sort(), Object.keys(english).sort(), `${tag} lacks or adds keys`);
      for (const [key, text] of Object.entries(strings)) {
        assert.equal(typeof text, "string", `${tag}.${key}`);
        assert.notEqual(text.trim(), "", `${tag}.${key} is empty`);
        assert.deepEqual(placeholders(text), placeholders(english[key]!), `${tag}.${key} placeholders`);
      }
    });

    it(`${tag}: is picked for its own tag, so the element loads it`, () => {
      assert.equal(pickLocale(tag), tag);
    });
  }

  it("picks by language and script, and English for the rest", () => {
    const picks = { "de-AT": "de", pt: "pt-BR", "fr-CA": "fr", "zh-HK": "zh-TW", "zh-MO": "zh-TW", "zh-Hant": "zh-TW", zh: "zh-CN", "zh-SG": "zh-CN", "zh-Hans-HK": "zh-CN", "ko-KR": "ko", sw: "en", "": "en", "not a tag": "en" };
    for (const [tag, picked] of Object.entries(picks)) assert.equal(pickLocale(tag), picked, `"${tag}"`);
  });
});
