import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestStack, type TestStack } from "../support/gateway.js";

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(async () => {
  await stack.close();
});

describe("the element module the gateway serves", () => {
  it("is a script any page may import, with each of its languages beside it", async () => {
    for (const path of ["/openrouter-auth.js", "/openrouter-auth-locales/de.js", "/openrouter-auth-locales/pt-BR.js", "/openrouter-auth-locales/zh-CN.js"]) {
      const response = await fetch(stack.gatewayUrl + path, { headers: { origin: "https://any.example" } });
      assert.equal(response.status, 200, path);
      assert.equal(response.headers.get("content-type"), "text/javascript; charset=utf-8", path);
      assert.equal(response.headers.get("access-control-allow-origin"), "*", path);
      assert.equal(response.headers.get("set-cookie"), null, path);
      await response.arrayBuffer();
    }
    const german = await (await fetch(`${stack.gatewayUrl}/openrouter-auth-locales/de.js`)).text();
    assert.match(german, /Mit OpenRouter verbinden/);
  });

  it("serves nothing else from the languages' folder", async () => {
    for (const path of ["/openrouter-auth-locales/xx.js", "/openrouter-auth-locales/..%2Fopenrouter-auth.js", "/openrouter-auth-locales/de.ts", "/openrouter-auth-locales/"]) {
      const response = await fetch(stack.gatewayUrl + path);
      assert.equal(response.status, 404, path);
      await response.arrayBuffer();
    }
  });
});
