import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../../gateway/config.js";

/**
 * The error start-up would stop with for these settings: a ConfigError of one line (the one line
 * an operator reads). Fails the test when the settings are accepted.
 */
export function configRefusal(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.doesNotMatch(error.message, /\n/, "one line");
    return error;
  }
  assert.fail("the configuration was accepted");
}
