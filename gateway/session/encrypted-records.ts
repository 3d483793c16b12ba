import { createHash } from "node:crypto";
import type { FernetKeyring } from "../crypto/fernet.js";
import type { KeyValueStore } from "../store/key-value-store.js";

/**
 * Small records looked up by a secret id (an OAuth state) rather than by session: each stored as
 * a Fernet token under a digest of the id, always with a TTL. `take` reads and deletes in one
 * step, so a record is usable once even when two requests race for it on two gateway instances.
 */
export class EncryptedRecords<T> {
  readonly #store: KeyValueStore;
  readonly #keyring: FernetKeyring;
  readonly #prefix: string;

  constructor(options: { store: KeyValueStore; keyring: FernetKeyring; prefix: string }) {
    this.#store = options.store;
    this.#keyring = options.keyring;
    this.#prefix = options.prefix;
  }

  async put(id: string, record: T, ttlSeconds: number): Promise<void> {
    await this.#store.set(this.#key(id), this.#keyring.encrypt(JSON.stringify(record)), ttlSeconds * 1000);
  }

  async peek(id: string): Promise<T | null> {
    return this.#open(await this.#store.get(this.#key(id)));
  }

  async take(id: string): Promise<T | null> {
    return this.#open(await this.#store.take(this.#key(id)));
  }

  #key(id: string): string {
    // The id is a bearer secret: Redis key names (visible to KEYS, MONITOR, slow logs) hold only its digest.
    return this.#prefix + createHash("sha256").update(id).digest("base64url");
  }

  #open(token: string | null): T | null {
    if (token === null) return null;
    try {
      return JSON.parse(this.#keyring.decrypt(token)) as T;
    } catch {
      return null;
    }
  }
}
