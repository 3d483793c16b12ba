import { createHash } from "node:crypto";
import type { FernetKeyring } from "../crypto/fernet.js";
import { storeCommand, type RedisClient } from "./redis-connection.js";

/**
 * Small records looked up by a secret id (an OAuth state) rather than by session: each stored as
 * a Fernet token under a digest of the id, always with a TTL (SPEC §6). Redis when configured, an
 * in-process map otherwise. `take` reads and deletes in one step, so a record is usable once even
 * when two requests race for it on two gateway instances.
 */
export class EncryptedRecords<T> {
  readonly #redis: RedisClient | undefined;
  readonly #keyring: FernetKeyring;
  readonly #prefix: string;
  readonly #memory = new Map<string, { token: string; expiresAt: number }>();

  constructor(options: { redis: RedisClient | undefined; keyring: FernetKeyring; prefix: string }) {
    this.#redis = options.redis;
    this.#keyring = options.keyring;
    this.#prefix = options.prefix;
  }

  async put(id: string, record: T, ttlSeconds: number): Promise<void> {
    const key = this.#key(id);
    const token = this.#keyring.encrypt(JSON.stringify(record));
    if (this.#redis === undefined) {
      this.#sweep();
      this.#memory.set(key, { token, expiresAt: Date.now() + ttlSeconds * 1000 });
      return;
    }
    await storeCommand(() => this.#redis!.set(key, token, "EX", ttlSeconds));
  }

  async peek(id: string): Promise<T | null> {
    const key = this.#key(id);
    const token = this.#redis === undefined ? this.#fromMemory(key, false) : await storeCommand(() => this.#redis!.get(key));
    return this.#open(token);
  }

  async take(id: string): Promise<T | null> {
    const key = this.#key(id);
    const token = this.#redis === undefined ? this.#fromMemory(key, true) : await storeCommand(() => this.#redis!.getdel(key));
    return this.#open(token);
  }

  #key(id: string): string {
    // The id is a bearer secret: Redis key names (visible to KEYS, MONITOR, slow logs) hold only its digest.
    return this.#prefix + createHash("sha256").update(id).digest("base64url");
  }

  #open(token: string | null | undefined): T | null {
    if (token == null) return null;
    try {
      return JSON.parse(this.#keyring.decrypt(token)) as T;
    } catch {
      return null;
    }
  }

  #fromMemory(key: string, remove: boolean): string | null {
    const entry = this.#memory.get(key);
    if (entry === undefined) return null;
    if (remove || entry.expiresAt <= Date.now()) this.#memory.delete(key);
    return entry.expiresAt > Date.now() ? entry.token : null;
  }

  #sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.#memory) if (entry.expiresAt <= now) this.#memory.delete(key);
  }

}
