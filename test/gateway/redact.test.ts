import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { redactText } from "../../gateway/logging/redact.js";

const KEY = "sk-or-v1-" + "0123456789abcdef".repeat(4);

describe("redacting log text", () => {
  it("censors an OpenRouter key, keeping its prefix, as it is or percent-encoded", () => {
    assert.equal(redactText(`/api/v1/openrouter/auth/${KEY}`), "/api/v1/openrouter/auth/sk-or-[redacted]");
    assert.equal(redactText(`/x/${KEY.replaceAll("-", "%2D")}/y`), "/x/sk%2Dor%2D[redacted]/y");
    assert.equal(redactText(`keys ${KEY} and SK-OR-anything`), "keys sk-or-[redacted] and SK-OR-[redacted]");
  });

  it("censors the values of the names the logger censors as fields, keeping the names", () => {
    assert.equal(redactText("/cb;code=abc123;state=xyz/next"), "/cb;code=[redacted];state=[redacted]/next");
    assert.equal(redactText("api_key=one&apiKey=two&code_verifier=three&key=four"), "api_key=[redacted]&apiKey=[redacted]&code_verifier=[redacted]&key=[redacted]");
    assert.equal(redactText("/p/state%3Dabc"), "/p/state%3D[redacted]");
  });

  it("censors bearer credentials and Fernet tokens", () => {
    assert.equal(redactText("Authorization: Bearer abc.def"), "Authorization: Bearer [redacted]");
    assert.equal(redactText("record gAAAAABnXy1a2b3c4d5e6f7g8h9i0jKLMNOP_-== end"), "record [redacted] end");
  });

  it("leaves text without secrets as it is", () => {
    for (const text of ["/api/v1/openrouter/auth/validate-key", "/api/v1/openrouter/auth/oauth/callback", "/graphql", "/encode=1", "/openrouter-auth.js"]) {
      assert.equal(redactText(text), text);
    }
  });
});
