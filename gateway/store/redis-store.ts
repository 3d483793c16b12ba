import { createHash } from "node:crypto";
import { ErrorCode, GatewayError } from "../errors.js";
import type { RedisClient } from "../session/redis-connection.js";
import type { KeyValueStore } from "./key-value-store.js";
import { isScriptNotLoaded } from "./script-not-loaded.js";

/**
 * Replaces a value only if it is still the one the caller read, in one step on the server: a
 * renewal or a refresh that raced with a sign-out finds the key gone (or changed) and writes
 * nothing, so a sign-out cannot be undone by a request that was in flight.
 */
const REPLACE_IF_UNCHANGED = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[3] == 'keep' then
  redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
else
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
return 1`;

/**
 * KEYS[1]: a counter; ARGV[1]: its window in ms. Counts one more and returns the count and the ms
 * left in the window; a counter without a TTL (new, or however it lost it) gets the whole window.
 */
const INCREMENT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`;

/** KEYS[1]: a tally; ARGV: the amount, the window in ms. Like INCREMENT, for amounts that are not whole. */
const ADD_TO = `
local total = redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return {total, ttl}`;

/** KEYS[1]: a tally or a counter. Its value (a string: Lua would cut a fraction) and its ms left; false when there is none. */
const READ_TALLY = `
local total = redis.call('GET', KEYS[1])
if not total then return false end
return {total, redis.call('PTTL', KEYS[1])}`;

/** Redis's own clock, in milliseconds, so that every instance measures leases alike. */
const NOW_MS = "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)";

/**
 * KEYS[1]: the leases, a sorted set of ids scored by when each lapses; ARGV: max, lease ms, id.
 * Lapsed leases are dropped first; the set itself expires with its newest lease. 1 when taken.
 */
const ACQUIRE_LEASE = `${NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

/** KEYS[1]: the leases; ARGV: lease ms, id. Extends a lease still held; 1 when it was. */
const RENEW_LEASE = `${NOW_MS}
if redis.call('ZSCORE', KEYS[1], ARGV[2]) == false then return 0 end
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`;

/** A script of the store, and the SHA-1 Redis knows it by once it has run it (EVALSHA). */
interface StoreScript {
  readonly lua: string;
  readonly sha: string;
}

function storeScript(lua: string): StoreScript {
  return { lua, sha: createHash("sha1").update(lua).digest("hex") };
}

const SCRIPTS = {
  replaceIf: storeScript(REPLACE_IF_UNCHANGED),
  increment: storeScript(INCREMENT),
  addTo: storeScript(ADD_TO),
  readTally: storeScript(READ_TALLY),
  acquireLease: storeScript(ACQUIRE_LEASE),
  renewLease: storeScript(RENEW_LEASE),
} as const;

/**
 * The longest an addition waits for another command to go with (addToSoon): a busy gateway sends
 * commands far more often than this, and an idle one loses nothing by sending it alone.
 */
const SOON_MS = 5;

/** Written, with a short TTL, to learn whether Redis takes writes (it may answer PING while refusing them). */
const WRITE_PROBE_TTL_MS = 10_000;

/**
 * The store in Redis (one server, Sentinel or Cluster: every command touches one key). Any
 * failure (down, slow, out of memory, a read-only replica) becomes SESSION_STORE_UNAVAILABLE here.
 */
export class RedisStore implements KeyValueStore {
  readonly #redis: RedisClient;
  readonly #probeKey: string;
  /** Additions waiting for a command to go with (addToSoon), one a key: what is added to a key meanwhile is summed. */
  #soon = new Map<string, SoonAddition>();
  #soonTimer: NodeJS.Timeout | undefined;
  /** How many additions are sent and not yet answered, which close() waits for. */
  #soonSent = 0;
  /** Resolves close()'s wait once the last addition sent is answered. */
  #soonDrained: (() => void) | undefined;

  constructor(redis: RedisClient, options: { probeKey: string }) {
    this.#redis = redis;
    this.#probeKey = options.probeKey;
  }

  get(key: string): Promise<string | null> {
    return this.#send(() => this.#redis.get(key));
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.#send(() => this.#redis.set(key, value, "PX", Math.max(1, Math.ceil(ttlMs))));
  }

  async replaceIf(key: string, expected: string, value: string, ttlMs: number | "keep"): Promise<boolean> {
    const ttl = ttlMs === "keep" ? "keep" : String(Math.max(1, Math.ceil(ttlMs)));
    return (await this.#script(SCRIPTS.replaceIf, key, expected, value, ttl)) === 1;
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return (await this.#send(() => this.#redis.set(key, value, "PX", Math.max(1, Math.ceil(ttlMs)), "NX"))) === "OK";
  }

  swap(key: string, value: string, ttlMs: number): Promise<string | null> {
    return this.#send(() => this.#redis.set(key, value, "PX", Math.max(1, Math.ceil(ttlMs)), "GET"));
  }

  async delete(key: string): Promise<void> {
    await this.#send(() => this.#redis.del(key));
  }

  take(key: string): Promise<string | null> {
    return this.#send(() => this.#redis.getdel(key));
  }

  async increment(key: string, windowMs: number): Promise<{ count: number; ttlMs: number }> {
    // One command, one round trip: a script rather than MULTI, which costs ioredis a pipeline of
    // objects per call, and Redis four more commands.
    const [count, ttlMs] = (await this.#script(SCRIPTS.increment, key, windowMs)) as [number, number];
    return { count, ttlMs };
  }

  async addTo(key: string, amount: number, windowMs: number): Promise<{ total: number; ttlMs: number }> {
    // INCRBYFLOAT answers a string (a Lua number would lose the fraction on the way back).
    const [total, ttlMs] = (await this.#script(SCRIPTS.addTo, key, String(amount), windowMs)) as [string, number];
    return { total: Number(total), ttlMs };
  }

  addToSoon(key: string, amount: number, windowMs: number): Promise<void> {
    // Of several additions to one key meanwhile (the completions of one account ending together),
    // Redis gets their sum, and each caller learns it is counted when the sum is.
    const waiting = this.#soon.get(key);
    if (waiting !== undefined) {
      waiting.amount += amount;
      return waiting.added;
    }
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const added = new Promise<void>((onAdded, onFailed) => {
      resolve = onAdded;
      reject = onFailed;
    });
    this.#soon.set(key, { amount, windowMs: String(windowMs), added, resolve, reject });
    // One timer at a time, never cleared when a command takes the additions along first: it
    // finds nothing waiting then, or sends what came since, which has waited less than SOON_MS.
    this.#soonTimer ??= setTimeout(this.#onSoonTimer, SOON_MS);
    return added;
  }

  /**
   * With an addition to the same tally waiting (addToSoon), the read is that addition: its
   * script answers the tally with it added, in one step in Redis, so the read still sees what
   * every instance added before it, for one command rather than two.
   */
  readTally(key: string): Promise<{ total: number; ttlMs: number } | null> {
    const waiting = this.#soon.get(key);
    if (waiting === undefined) return this.#script(SCRIPTS.readTally, key).then(tallyOf);
    this.#soon.delete(key);
    return this.#sendAddition(key, waiting).then(tallyOf);
  }

  async acquireLease(key: string, id: string, max: number, leaseMs: number): Promise<boolean> {
    return (await this.#script(SCRIPTS.acquireLease, key, max, leaseMs, id)) === 1;
  }

  async renewLease(key: string, id: string, leaseMs: number): Promise<boolean> {
    return (await this.#script(SCRIPTS.renewLease, key, leaseMs, id)) === 1;
  }

  async releaseLease(key: string, id: string): Promise<void> {
    await this.#send(() => this.#redis.zrem(key, id));
  }

  async acceptsWrites(): Promise<boolean> {
    try {
      return (await this.#redis.set(this.#probeKey, "1", "PX", WRITE_PROBE_TTL_MS)) === "OK";
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    clearTimeout(this.#soonTimer);
    this.#soonTimer = undefined;
    this.#sendSoon();
    if (this.#soonSent > 0) await new Promise<void>((resolve) => (this.#soonDrained = resolve));
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  /**
   * Sends a command, with the additions waiting to go (addToSoon) ahead of it in the same turn of
   * the event loop: the client writes what is sent in one turn in one write (coalesced-writes.ts),
   * and Redis runs it in that order, so the command finds what was added (but where an addition
   * must first be sent whole after a NOSCRIPT answer, which goes after it).
   */
  #send<Result>(command: () => Promise<Result>): Promise<Result> {
    this.#sendSoon();
    return storeCommand(command);
  }

  /**
   * Runs a script by its hash (EVALSHA: 40 bytes rather than its text, which Redis would also hash
   * on every call), with the additions waiting to go ahead of it (#send), in one promise chain.
   * Where Redis does not have it (NOSCRIPT: its first use there, SCRIPT FLUSH, a restart, a
   * failover to a node that never ran it) it is sent whole (EVAL), which loads it for the calls
   * after. Not ioredis's `defineCommand`, which does the same but copies every script defined onto
   * each pipeline it makes (with its auto-pipelining, one per batch of commands: 3 µs more for
   * every batch, the session reads of the status paths included).
   */
  #script(script: StoreScript, key: string, ...args: Array<string | number>): Promise<unknown> {
    this.#sendSoon();
    let sent: Promise<unknown>;
    try {
      sent = this.#redis.evalsha(script.sha, 1, key, ...args);
    } catch (cause) {
      return Promise.reject(storeUnavailable(cause));
    }
    return sent.then(undefined, (error: unknown) => {
      if (!isScriptNotLoaded(error)) throw storeUnavailable(error);
      return this.#redis.eval(script.lua, 1, key, ...args).then(undefined, (cause: unknown) => {
        throw storeUnavailable(cause);
      });
    });
  }

  readonly #onSoonTimer = (): void => {
    this.#soonTimer = undefined;
    this.#sendSoon();
  };

  /** Sends every addition waiting (addToSoon), if any. */
  #sendSoon(): void {
    if (this.#soon.size === 0) return;
    const waiting = this.#soon;
    this.#soon = new Map();
    for (const [key, addition] of waiting) void this.#sendAddition(key, addition);
  }

  /** Sends an addition that waited (addToSoon), settles its callers' promise, and gives ADD_TO's answer. */
  #sendAddition(key: string, addition: SoonAddition): Promise<unknown> {
    this.#soonSent++;
    const answer = this.#script(SCRIPTS.addTo, key, String(addition.amount), addition.windowMs);
    answer.then(
      () => {
        this.#soonAnswered();
        addition.resolve();
      },
      (error: unknown) => {
        this.#soonAnswered();
        addition.reject(error);
      },
    );
    return answer;
  }

  #soonAnswered(): void {
    if (--this.#soonSent === 0) this.#soonDrained?.();
  }
}

/** An addition waiting to go (addToSoon), its numbers as the script takes them. */
interface SoonAddition {
  /** What was added to the key while it waited. */
  amount: number;
  readonly windowMs: string;
  /** Resolves once Redis has counted it: what addToSoon gives every caller that added to it. */
  readonly added: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** READ_TALLY's answer, or ADD_TO's, as a tally. */
function tallyOf(found: unknown): { total: number; ttlMs: number } | null {
  if (found === null) return null;
  const [total, ttlMs] = found as [string, number];
  // A key that lapsed between the two commands of the script reads as -2: no tally.
  return ttlMs < 0 ? null : { total: Number(total), ttlMs };
}

function storeUnavailable(cause: unknown): GatewayError {
  return new GatewayError(ErrorCode.SESSION_STORE_UNAVAILABLE, undefined, { cause });
}

/** Runs a store command; any failure of the store (down, slow, refusing) becomes SESSION_STORE_UNAVAILABLE. */
async function storeCommand<Result>(command: () => Promise<Result>): Promise<Result> {
  try {
    return await command();
  } catch (cause) {
    throw storeUnavailable(cause);
  }
}
