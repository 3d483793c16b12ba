import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { connectRedis } from "../../gateway/session/redis-connection.js";
import { RedisStore } from "../../gateway/store/redis-store.js";
import { redisClusterToolsMissing, startRedisCluster, type RedisClusterHandle } from "../support/redis-cluster.js";
import { startRedisServer, type RedisServerHandle } from "../support/redis-server.js";
import { waitFor } from "../support/wait-for.js";

const silent = pino({ level: "silent" });
/** The store's methods that run a script (releaseLease is a plain ZREM). */
const SCRIPTED_METHODS = 6;

/** A key of `round`: on a Cluster, all of a round's keys hash to one slot. */
const roundKey = (round: string, name: string) => `scripts-test:{${round}}:${name}`;

/**
 * Runs every scripted method of the store once on fresh keys of `round` (`pass` keeps them apart
 * from its other passes') and checks what each answers: a script that did not run fails here.
 */
async function everyScript(store: RedisStore, round: string, pass: string): Promise<void> {
  const key = (name: string) => roundKey(round, `${pass}:${name}`);
  await store.set(key("record"), "a", 60_000);
  assert.equal(await store.replaceIf(key("record"), "a", "b", "keep"), true, "replaceIf of the value read");
  assert.equal(await store.replaceIf(key("record"), "a", "c", 60_000), false, "replaceIf of a value since replaced");
  assert.equal(await store.get(key("record")), "b");

  assert.equal((await store.increment(key("counter"), 60_000)).count, 1);
  const counted = await store.increment(key("counter"), 60_000);
  assert.equal(counted.count, 2);
  assert.ok(counted.ttlMs > 0 && counted.ttlMs <= 60_000, `the counter's window (${counted.ttlMs} ms)`);

  assert.equal(await store.readTally(key("tally")), null, "no tally before anything is added");
  await store.addTo(key("tally"), 0.25, 60_000);
  const added = await store.addTo(key("tally"), 0.5, 60_000);
  assert.equal(added.total, 0.75);
  const tally = await store.readTally(key("tally"));
  assert.ok(tally !== null, "the tally is there");
  assert.equal(tally.total, 0.75);
  assert.ok(tally.ttlMs > 0 && tally.ttlMs <= 60_000, `the tally's window (${tally.ttlMs} ms)`);

  assert.equal(await store.acquireLease(key("leases"), "one", 1, 60_000), true);
  assert.equal(await store.acquireLease(key("leases"), "two", 1, 60_000), false, "the only place is held");
  assert.equal(await store.renewLease(key("leases"), "one", 60_000), true);
  assert.equal(await store.renewLease(key("leases"), "two", 60_000), false, "a lease never taken is not renewed");
  await store.releaseLease(key("leases"), "one");
  assert.equal(await store.acquireLease(key("leases"), "two", 1, 60_000), true, "the place given back is free");
}

/** EVAL and EVALSHA calls so far (INFO commandstats), summed over the given `commandstats` outputs. */
function scriptCalls(infos: readonly string[]): { eval: number; evalsha: number } {
  const calls = (name: string) => infos.reduce((sum, info) => sum + Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(info)?.[1] ?? 0), 0);
  return { eval: calls("eval"), evalsha: calls("evalsha") };
}

/**
 * A Redis of the describe's own (these tests flush its scripts and restart it) and a store on it,
 * started before its tests and stopped after them.
 */
function storeOnPrivateRedis(probeKey: string): { readonly redis: RedisServerHandle; readonly store: RedisStore } {
  const made: { redis?: RedisServerHandle; store?: RedisStore } = {};
  before(async () => {
    made.redis = await startRedisServer({ private: true });
    made.store = new RedisStore(connectRedis(made.redis.url, silent), { probeKey });
    await waitFor(() => made.store!.acceptsWrites());
  });
  after(async () => {
    await made.store?.close();
    await made.redis?.close();
  });
  return {
    get redis() {
      return made.redis!;
    },
    get store() {
      return made.store!;
    },
  };
}

describe("the store's scripts on one Redis", () => {
  const on = storeOnPrivateRedis("scripts-test:probe");
  const calls = async () => scriptCalls([await on.redis.command("INFO", "commandstats")]);

  it("are sent by their hash (EVALSHA): a script's text goes to Redis only where Redis lacks it, not with every call", async () => {
    await everyScript(on.store, "one", "first");
    const before = await calls();
    for (let pass = 0; pass < 3; pass++) await everyScript(on.store, "one", `again-${pass}`);
    const after = await calls();
    assert.equal(after.eval, before.eval, "no script sent whole again");
    assert.ok(after.evalsha - before.evalsha >= 3 * 10, `EVALSHA for every call (${after.evalsha - before.evalsha})`);
  });

  it("still run after Redis forgot them (SCRIPT FLUSH): each is sent whole once more, then by its hash again", async () => {
    await everyScript(on.store, "one", "before-flush");
    assert.equal(await on.redis.command("SCRIPT", "FLUSH"), "OK");
    const flushed = await calls();
    await everyScript(on.store, "one", "after-flush");
    const reloaded = await calls();
    assert.ok(reloaded.eval - flushed.eval <= SCRIPTED_METHODS, `each script sent whole at most once (${reloaded.eval - flushed.eval})`);
    await everyScript(on.store, "one", "after-reload");
    assert.equal((await calls()).eval, reloaded.eval, "by their hash again");
  });

  it("still run on a Redis restarted empty (a new connection, no scripts)", async () => {
    await everyScript(on.store, "one", "before-restart");
    await on.redis.stop();
    await on.redis.start();
    await waitFor(() => on.store.acceptsWrites(), 10_000);
    await everyScript(on.store, "one", "after-restart");
  });
});

describe("an addition that needs no answer (addToSoon) on Redis", () => {
  const on = storeOnPrivateRedis("soon-test:probe");
  const fresh = (() => {
    let next = 0;
    return () => `soon-test:${next++}`;
  })();

  it("goes to Redis ahead of the next command the store sends: a read of the tally sent next finds it", async () => {
    const key = fresh();
    const added = on.store.addToSoon(key, 0.5, 60_000);
    const read = await on.store.readTally(key);
    assert.equal(read?.total, 0.5);
    await added;
  });

  it("goes ahead of the next command the store sends, a plain one or a script: that command finds it in Redis", async () => {
    // Its script known to Redis, so that it goes by its hash, not after a NOSCRIPT answer.
    await on.store.addTo(fresh(), 1, 60_000);
    const key = fresh();
    const first = on.store.addToSoon(key, 0.5, 60_000);
    assert.equal(await on.store.get(key), "0.5", "a GET sent next");
    await first;
    const second = on.store.addToSoon(key, 0.25, 60_000);
    assert.equal((await on.store.addTo(key, 0.125, 60_000)).total, 0.875, "a script sent next");
    await second;
  });

  it("goes on its own when no other command comes", async () => {
    const key = fresh();
    await on.store.addToSoon(key, 0.25, 60_000);
    assert.equal(await on.redis.command("GET", key), "0.25");
    const ttl = Number(await on.redis.command("PTTL", key));
    assert.ok(ttl > 0 && ttl <= 60_000, `the tally's window (${ttl} ms)`);
  });

  it("goes on its own, within a few milliseconds, after an earlier one went with a command", async () => {
    const key = fresh();
    const first = on.store.addToSoon(key, 0.5, 60_000);
    assert.equal((await on.store.readTally(key))?.total, 0.5);
    await first;
    // Nothing else is sent from here on: the second addition goes by itself, as the first would have.
    const second = on.store.addToSoon(key, 0.25, 60_000);
    const within = await Promise.race([second.then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), 1_000).unref())]);
    assert.ok(within, "the second addition was sent within a second");
    assert.equal(await on.redis.command("GET", key), "0.75");
  });

  const evalshaCalls = async () => scriptCalls([await on.redis.command("INFO", "commandstats")]).evalsha;

  it("goes as one sum when several are added to one key meanwhile, each caller's promise resolving once it is counted", async () => {
    const key = fresh();
    const before = await evalshaCalls();
    await Promise.all([on.store.addToSoon(key, 0.5, 60_000), on.store.addToSoon(key, 0.25, 60_000), on.store.addToSoon(key, 0.125, 60_000)]);
    assert.equal(await on.redis.command("GET", key), "0.875");
    assert.equal((await evalshaCalls()) - before, 1, "one script's call for the three");
  });

  it("is the read of its tally when one comes first: one command, whose tally holds what another instance added before it", async () => {
    const other = new RedisStore(connectRedis(on.redis.url, silent), { probeKey: "soon-test:probe" });
    try {
      await waitFor(() => other.acceptsWrites());
      const key = fresh();
      // Another instance counts first; this one's addition waits for a command to go with.
      await other.addTo(key, 1, 60_000);
      const before = await evalshaCalls();
      const added = on.store.addToSoon(key, 0.5, 60_000);
      const read = await on.store.readTally(key);
      await added;
      assert.equal(read?.total, 1.5, "the read sees both instances' additions");
      assert.ok(read.ttlMs > 0 && read.ttlMs <= 60_000, `the window (${read.ttlMs} ms)`);
      assert.equal((await evalshaCalls()) - before, 1, "the addition and the read went as one script's call");
      // The next read, with nothing waiting, reads alone: another instance's addition since shows.
      await other.addTo(key, 0.25, 60_000);
      assert.equal((await on.store.readTally(key))?.total, 1.75);
    } finally {
      await other.close();
    }
  });

  it("is sent before the store closes", async () => {
    const closing = new RedisStore(connectRedis(on.redis.url, silent), { probeKey: "soon-test:probe" });
    await waitFor(() => closing.acceptsWrites());
    const key = fresh();
    const added = closing.addToSoon(key, 2, 60_000);
    await closing.close();
    await added;
    assert.equal(await on.redis.command("GET", key), "2");
  });
});

const missingTools = redisClusterToolsMissing();

describe("the store's scripts on a three-master Redis Cluster", { skip: missingTools === undefined ? false : `skipped: ${missingTools}` }, () => {
  let cluster: RedisClusterHandle;
  let store: RedisStore;
  const calls = async () => scriptCalls(await Promise.all(cluster.ports.map((port) => cluster.command(port, "INFO", "commandstats"))));

  before(async () => {
    cluster = await startRedisCluster({ masters: 3 });
    const nodes = cluster.ports.map((port) => ({ host: "127.0.0.1", port }));
    store = new RedisStore(connectRedis({ mode: "cluster", nodes, tls: false }, silent), { probeKey: "scripts-test:probe" });
    await waitFor(() => store.acceptsWrites());
  });
  after(async () => {
    await store?.close();
    await cluster?.close();
  });

  it("run on the master owning each key's slot, by their hash, and again after every master forgot them", async () => {
    // A round on each master: every script runs on every master.
    const roundOn = new Map<number, string>();
    for (let round = 0; round < 100 && roundOn.size < cluster.ports.length; round++) roundOn.set(await cluster.ownerOf(roundKey(`round-${round}`, "")), `round-${round}`);
    assert.equal(roundOn.size, cluster.ports.length, "a round's keys on each master");
    const rounds = [...roundOn.values()];
    for (const round of rounds) await everyScript(store, round, "first");
    const warm = await calls();
    for (const round of rounds) await everyScript(store, round, "again");
    const again = await calls();
    assert.equal(again.eval, warm.eval, "no script sent whole again once each master has it");
    assert.ok(again.evalsha - warm.evalsha >= rounds.length * 10, `EVALSHA for every call (${again.evalsha - warm.evalsha})`);

    for (const port of cluster.ports) assert.equal(await cluster.command(port, "SCRIPT", "FLUSH"), "OK");
    for (const round of rounds) await everyScript(store, round, "after-flush");
    const reloaded = await calls();
    assert.ok(reloaded.eval - warm.eval <= SCRIPTED_METHODS * cluster.ports.length, `each script sent whole at most once a master (${reloaded.eval - warm.eval})`);
    for (const round of rounds) await everyScript(store, round, "after-reload");
    assert.equal((await calls()).eval, reloaded.eval, "by their hash again");
  });
});
