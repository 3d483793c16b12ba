/**
 * A clock a test moves forward instead of waiting: the real time plus whatever the test added.
 * Gateways given it (`startGateway(env, { clock })`) decide session lifetimes, OAuth flow
 * expiry and the age of cached user info by it. Redis TTLs still run on Redis's own clock.
 */
export class TestClock {
  #offsetMs = 0;

  /** Epoch ms, as `Date.now` gives them. */
  readonly now = (): number => Date.now() + this.#offsetMs;

  advance(ms: number): void {
    this.#offsetMs += ms;
  }
}
