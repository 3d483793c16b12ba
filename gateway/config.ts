import { FernetKeyring, InvalidFernetKeyError } from "./crypto/fernet.js";
import { randomBytes } from "node:crypto";
import { isIP, isIPv4 } from "node:net";
import { MAX_TRUSTED_PUBLIC, netmaskPrefix, trustedPublicAddresses } from "./trusted-ranges.js";

/**
 * Configuration (docs/contract.md §7), read from the environment and checked once, at start-up. A bad value
 * stops start-up with one line naming the variable; nothing downstream re-reads `process.env`.
 */
export interface Config {
  readonly production: boolean;
  readonly port: number;
  /**
   * Interface to listen on; undefined lets Node choose (all interfaces). Without HOST and without
   * Redis (a development gateway, its sessions in the process) it is loopback only.
   */
  readonly host: string | undefined;
  /** undefined: the in-process session store (development only). */
  readonly redisUrl: string | undefined;
  /** Where sessions live: one Redis (REDIS_URL), a Redis Cluster or a Sentinel group; undefined as for redisUrl. */
  readonly redis: RedisConfig | undefined;
  readonly keyring: FernetKeyring;
  /** First signs new cookies; all verify (rotation). */
  readonly sessionSecrets: readonly string[];
  /** Names of secrets made up for this run because none was configured (development only). */
  readonly generatedSecrets: readonly string[];
  readonly openrouter: {
    readonly apiBase: string;
    readonly authUrl: string;
    readonly timeoutMs: number;
  };
  /**
   * OPENROUTER_REDIRECT_URI; when unset (development only), the callback on the standalone
   * gateway's own address (`http://localhost:$PORT`), for a request that came in anywhere else
   * than the origins below (see `redirectUriFromRequest`).
   */
  readonly redirectUri: string;
  /**
   * OPENROUTER_REDIRECT_URI is unset (development): each flow's callback is on the origin and mount
   * path its request came in on, when that origin is the gateway's own (the calling page's own
   * origin, or `redirectUri`'s) or in ALLOWED_ORIGINS, so a router mounted in a host on any port
   * needs no setting.
   */
  readonly redirectUriFromRequest: boolean;
  /** Origins allowed to call with credentials, receive postMessage and be returned to. */
  readonly allowedOrigins: ReadonlySet<string>;
  readonly cookie: {
    readonly name: string;
    readonly secure: boolean;
    readonly sameSite: "lax" | "strict" | "none";
    readonly partitioned: boolean;
  };
  readonly session: {
    /** Idle timeout, renewed by activity. */
    readonly ttlSeconds: number;
    /** Absolute lifetime from sign-in, whatever the activity. */
    readonly maxAgeSeconds: number;
  };
  /** How old cached user info may be before `userInfo` reads it again from OpenRouter. */
  readonly userInfoMaxAgeSeconds: number;
  /** Sign-in attempts (validateKey, completeOAuth) allowed per client address and per session. */
  readonly attempts: { readonly max: number; readonly windowSeconds: number };
  /** OAuth flows started (initiateOAuth) allowed per client address and per session. */
  readonly oauthStarts: { readonly max: number; readonly windowSeconds: number };
  /**
   * Express's `trust proxy` setting: how many proxies stand in front of the gateway, or their
   * addresses; never "trust all", so the client address is never one the client chose.
   */
  readonly trustProxy: number | readonly string[];
  /** App attribution sent to OpenRouter by the proxy: `HTTP-Referer` (default: the caller's allowed origin) and the title (`X-Title`, and `X-OpenRouter-Title` beside it). */
  readonly appUrl: string | undefined;
  readonly appTitle: string | undefined;
  /** What OAuth sign-in asks OpenRouter for, on its `/auth` page. */
  readonly oauthKey: OAuthKeyConfig;
  /** The OpenRouter proxy at /api/v1/openrouter/proxy and its policy. */
  readonly proxy: ProxyConfig;
  readonly logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** The metrics listener (METRICS_PORT, METRICS_HOST); undefined: metrics are off unless a host turns them on. */
  readonly metrics: MetricsConfig | undefined;
}

/** Where `GET /metrics` is served, on a listener of its own. */
export interface MetricsConfig {
  /** 0 lets the system choose. */
  readonly port: number;
  /** Loopback unless METRICS_HOST says otherwise: metrics say a lot about traffic, and have no protection of their own. */
  readonly host: string;
}

/** Where the metrics listener binds unless METRICS_HOST says otherwise. */
export const METRICS_DEFAULT_HOST = "127.0.0.1";

/** The key an OAuth sign-in asks OpenRouter to issue (OPENROUTER_KEY_*); undefined asks nothing. */
export interface OAuthKeyConfig {
  /** The most credits (US dollars) an issued key may spend: `limit=` on the `/auth` URL; a sign-in may ask for less. */
  readonly limit: number | undefined;
  /** The name OpenRouter gives the issued key: `key_label=` on the `/auth` URL. */
  readonly label: string | undefined;
}

/** The proxy's settings (PROXY_*); a policy left undefined is not applied. */
export interface ProxyConfig {
  readonly enabled: boolean;
  readonly maxBodyBytes: number;
  /** Model ids; an entry ending in `*` matches every id that starts with what precedes it. */
  readonly allowedModels: readonly string[] | undefined;
  /** The highest `max_tokens` / `max_completion_tokens` a request may ask for, and what is sent when it asks for none. */
  readonly maxTokens: number | undefined;
  /** Requests each OpenRouter account may make per window. */
  readonly rateLimit: { readonly max: number; readonly windowSeconds: number } | undefined;
  /** Requests (streamed or not) each OpenRouter account may have running at once. */
  readonly maxConcurrentStreams: number | undefined;
  /** The credits each OpenRouter account may spend through the proxy per window (PROXY_SPEND_LIMIT, PROXY_SPEND_WINDOW_SECONDS). */
  readonly spendLimit: { readonly credits: number; readonly windowSeconds: number } | undefined;
  /** How long OpenRouter may stay silent, before its answer starts or between two chunks, before the proxy gives up. */
  readonly idleTimeoutMs: number;
}

export class ConfigError extends Error {
  constructor(readonly variable: string, problem: string) {
    super(`${variable} ${problem}`);
    this.name = "ConfigError";
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** The OAuth callback page's path below the gateway's mount path (docs/contract.md §4). */
export const CALLBACK_PATH = "/api/v1/openrouter/auth/oauth/callback";

/** Where a gateway without Redis (development: sessions in the process) listens unless HOST says otherwise. */
export const DEVELOPMENT_HOST = "127.0.0.1";

/** Reads and checks the whole configuration; throws ConfigError on the first bad value. */
export function loadConfig(env: Env): Config {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === "" ? undefined : value;
  };
  const production = read("NODE_ENV") === "production";
  const generatedSecrets: string[] = [];

  const port = integer(read, "PORT", 8080, 0, 65535);
  const redis = redisConfig(read, production);
  const redisUrl = redis?.mode === "standalone" ? redis.url : undefined;

  let encryptionKeys = read("OPENROUTER_ENCRYPTION_KEY");
  if (encryptionKeys === undefined) {
    if (production) throw new ConfigError("OPENROUTER_ENCRYPTION_KEY", "is required when NODE_ENV=production");
    encryptionKeys = FernetKeyring.generateKey();
    generatedSecrets.push("OPENROUTER_ENCRYPTION_KEY");
  }
  let keyring: FernetKeyring;
  try {
    keyring = FernetKeyring.fromString(encryptionKeys);
  } catch (error) {
    if (error instanceof InvalidFernetKeyError) throw new ConfigError("OPENROUTER_ENCRYPTION_KEY", `is not a Fernet key list: ${error.message}`);
    throw error;
  }

  let sessionSecret = read("SESSION_SECRET");
  if (sessionSecret === undefined) {
    if (production) throw new ConfigError("SESSION_SECRET", "is required when NODE_ENV=production");
    sessionSecret = randomBytes(32).toString("base64url");
    generatedSecrets.push("SESSION_SECRET");
  }
  const sessionSecrets = list(sessionSecret);
  if (sessionSecrets.some((secret) => secret.length < 32)) {
    throw new ConfigError("SESSION_SECRET", "must be at least 32 characters (each entry, when a comma-separated list)");
  }

  const apiBase = url(read, "OPENROUTER_API_BASE", "https://openrouter.ai/api/v1").replace(/\/+$/, "");
  const authUrl = url(read, "OPENROUTER_AUTH_URL", "https://openrouter.ai/auth");
  const redirectUriFromRequest = read("OPENROUTER_REDIRECT_URI") === undefined;
  if (redirectUriFromRequest && production) {
    throw new ConfigError("OPENROUTER_REDIRECT_URI", `is required when NODE_ENV=production: the public URL of ${CALLBACK_PATH}, e.g. https://app.example.com${CALLBACK_PATH}`);
  }
  const redirectUri = url(read, "OPENROUTER_REDIRECT_URI", `http://localhost:${port || 8080}${CALLBACK_PATH}`);
  if (new URL(redirectUri).hash !== "") throw new ConfigError("OPENROUTER_REDIRECT_URI", "must not have a #fragment");

  // The gateway's own origin (where the callback lives) may always receive its own popup's messages.
  const allowedOrigins = new Set([new URL(redirectUri).origin]);
  for (const entry of list(read("ALLOWED_ORIGINS") ?? "")) {
    allowedOrigins.add(origin("ALLOWED_ORIGINS", entry));
  }

  const sameSite = oneOf(read, "COOKIE_SAMESITE", ["lax", "strict", "none"] as const, "lax");
  const secureSetting = boolean(read, "COOKIE_SECURE");
  if (sameSite === "none" && secureSetting === false) {
    throw new ConfigError("COOKIE_SECURE", "cannot be false with COOKIE_SAMESITE=none (browsers drop such cookies)");
  }
  const secure = secureSetting ?? (production || sameSite === "none");
  const partitioned = boolean(read, "COOKIE_PARTITIONED") ?? false;
  if (partitioned && !secure) throw new ConfigError("COOKIE_PARTITIONED", "needs a Secure cookie (set COOKIE_SECURE=true)");

  const ttlSeconds = integer(read, "SESSION_TTL_SECONDS", 86_400, 60, 31_536_000);
  const maxAgeSeconds = integer(read, "SESSION_MAX_AGE_SECONDS", 604_800, 60, 31_536_000);
  if (maxAgeSeconds < ttlSeconds) {
    throw new ConfigError("SESSION_MAX_AGE_SECONDS", `must be at least SESSION_TTL_SECONDS (${ttlSeconds})`);
  }

  return Object.freeze({
    production,
    port,
    host: read("HOST") ?? (redis === undefined ? DEVELOPMENT_HOST : undefined),
    redisUrl,
    redis,
    keyring,
    sessionSecrets: Object.freeze(sessionSecrets),
    generatedSecrets: Object.freeze(generatedSecrets),
    openrouter: Object.freeze({ apiBase, authUrl, timeoutMs: integer(read, "UPSTREAM_TIMEOUT_MS", 10_000, 1, 120_000) }),
    redirectUri,
    redirectUriFromRequest,
    allowedOrigins,
    cookie: Object.freeze({
      // `__Host-` binds the cookie to this exact host, path / and Secure: no subdomain can plant or read it.
      name: secure ? "__Host-openrouter-auth.sid" : "openrouter-auth.sid",
      secure,
      sameSite,
      partitioned,
    }),
    session: Object.freeze({ ttlSeconds, maxAgeSeconds }),
    userInfoMaxAgeSeconds: integer(read, "USER_INFO_MAX_AGE_SECONDS", 300, 0, 86_400),
    attempts: Object.freeze({
      max: integer(read, "RATE_LIMIT_MAX", 10, 1, 1_000_000),
      windowSeconds: integer(read, "RATE_LIMIT_WINDOW_SECONDS", 60, 1, 86_400),
    }),
    oauthStarts: Object.freeze({
      max: integer(read, "OAUTH_START_LIMIT_MAX", 20, 1, 1_000_000),
      windowSeconds: integer(read, "OAUTH_START_LIMIT_WINDOW_SECONDS", 60, 1, 86_400),
    }),
    trustProxy: trustProxy(read("TRUST_PROXY")),
    appUrl: read("OPENROUTER_APP_URL") === undefined ? undefined : url(read, "OPENROUTER_APP_URL", ""),
    appTitle: headerText(read, "OPENROUTER_APP_TITLE"),
    oauthKey: Object.freeze({ limit: credits(read, "OPENROUTER_KEY_LIMIT"), label: keyLabel(read, "OPENROUTER_KEY_LABEL") }),
    proxy: proxyConfig(read),
    logLevel: oneOf(read, "LOG_LEVEL", ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const, "info"),
    metrics: metricsConfig(read, port),
  });
}

type Read = (name: string) => string | undefined;

function list(value: string): string[] {
  return value
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
}

function integer(read: Read, name: string, fallback: number, min: number, max: number): number {
  const value = read(name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max} (got "${value}")`);
  }
  return Number(value);
}

function boolean(read: Read, name: string): boolean | undefined {
  const value = read(name)?.toLowerCase();
  if (value === undefined) return undefined;
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  throw new ConfigError(name, `must be true or false (got "${value}")`);
}

function oneOf<const T extends string>(read: Read, name: string, choices: readonly T[], fallback: T): T {
  const value = read(name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) {
    throw new ConfigError(name, `must be one of ${choices.join(", ")} (got "${value}")`);
  }
  return value as T;
}

function url(read: Read, name: string, fallback: string): string {
  const value = read(name) ?? fallback;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(name, `must be an absolute http(s) URL (got "${value}")`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new ConfigError(name, `must be an absolute http(s) URL (got "${value}")`);
  }
  return value;
}

function origin(name: string, value: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(value);
  } catch {
    parsed = undefined;
  }
  // An origin is exactly scheme://host[:port]; anything more would make matching ambiguous.
  if (parsed === undefined || (parsed.protocol !== "https:" && parsed.protocol !== "http:") || parsed.origin !== value.replace(/\/$/, "")) {
    throw new ConfigError(name, `entries must be origins like https://app.example.com (got "${value}")`);
  }
  return parsed.origin;
}

/** The names Express's `trust proxy` knows for ranges of addresses. */
const TRUST_PROXY_RANGES = new Set(["loopback", "linklocal", "uniquelocal"]);

/**
 * Express's `trust proxy` setting: a hop count, or the proxies' addresses. `true` is refused: it
 * trusts every `X-Forwarded-For` entry, so the client address would be the left-most one, which
 * the client itself writes, and each made-up address would get a fresh sign-in attempt budget.
 * @see https://expressjs.com/en/guide/behind-proxies.html
 */
function trustProxy(value: string | undefined): number | readonly string[] {
  const insteadOfTrue = "a hop count (1 for one proxy), the proxies' addresses or subnets (e.g. 10.0.0.0/8), or loopback / uniquelocal";
  // 0 hops: no proxy, the socket's address is the client's.
  if (value === undefined || value.toLowerCase() === "false") return 0;
  if (value.toLowerCase() === "true") {
    throw new ConfigError("TRUST_PROXY", `cannot be true, which would let clients choose their own address through X-Forwarded-For: set ${insteadOfTrue}`);
  }
  if (/^\d+$/.test(value)) return integer(() => value, "TRUST_PROXY", 0, 0, 100);
  const entries = list(value).map((entry) => (TRUST_PROXY_RANGES.has(entry.toLowerCase()) ? entry.toLowerCase() : entry));
  for (const entry of entries) {
    if (!TRUST_PROXY_RANGES.has(entry) && !isAddressOrSubnet(entry)) {
      throw new ConfigError("TRUST_PROXY", `must be ${insteadOfTrue} (got "${entry}")`);
    }
  }
  // Ranges that trust a large part of the internet are `true` in disguise (`0.0.0.0/0`, or its
  // two halves): measured by the public addresses they cover, however the list splits them.
  const trusted = trustedPublicAddresses(entries);
  for (const family of ["ipv4", "ipv6"] as const) {
    if (trusted[family] > MAX_TRUSTED_PUBLIC[family]) {
      const count = family === "ipv4" ? `${trusted.ipv4.toLocaleString("en-US")} public IPv4 addresses, more than a /8` : `about 2^${trusted.ipv6.toString(2).length - 1} public IPv6 addresses, more than a /16`;
      throw new ConfigError("TRUST_PROXY", `trusts ${count}: anyone there could choose their own client address through X-Forwarded-For. Set ${insteadOfTrue}`);
    }
  }
  return Object.freeze(entries);
}

/** An IP address, optionally with a prefix length (`/24`) or, for IPv4, a contiguous netmask (`/255.255.255.0`). */
function isAddressOrSubnet(entry: string): boolean {
  const [address = "", range, ...rest] = entry.split("/");
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (range === undefined) return true;
  if (/^\d{1,3}$/.test(range)) return Number(range) <= (family === 4 ? 32 : 128);
  // A netmask with holes (255.0.255.0) is no range at all: Express would throw on it at start-up.
  return family === 4 && isIPv4(range) && netmaskPrefix(range) !== undefined;
}

/** A value sent as an HTTP header: printable, one line, at most 200 characters. */
function headerText(read: Read, name: string): string | undefined {
  const value = read(name);
  if (value === undefined) return undefined;
  if (!/^[\x20-\x7e]{1,200}$/.test(value)) throw new ConfigError(name, "must be at most 200 printable ASCII characters on one line");
  return value;
}

/** An amount of credits (US dollars): a positive decimal number, like `5` or `2.50`. */
function credits(read: Read, name: string): number | undefined {
  const value = read(name);
  if (value === undefined) return undefined;
  if (!/^\d{1,9}(\.\d{1,8})?$/.test(value) || Number(value) <= 0) {
    throw new ConfigError(name, `must be a positive number of credits (US dollars), like 5 or 2.50 (got "${value}")`);
  }
  return Number(value);
}

/** The issued key's name, as OpenRouter takes it: one line of at most 100 characters. */
function keyLabel(read: Read, name: string): string | undefined {
  const value = read(name);
  if (value === undefined) return undefined;
  if (value.length > 100 || /[\u0000-\u001f\u007f]/.test(value)) throw new ConfigError(name, "must be one line of at most 100 characters");
  return value;
}

/** A model id as OpenRouter spells them (`openai/gpt-4o`, `deepseek/deepseek-r1:free`), optionally ending in `*`. */
const MODEL_PATTERN = /^[A-Za-z0-9._:/@-]*\*?$/;

function proxyConfig(read: Read): ProxyConfig {
  const enabled = boolean(read, "PROXY_ENABLED") ?? true;
  const models = read("PROXY_ALLOWED_MODELS");
  let allowedModels: readonly string[] | undefined;
  if (models !== undefined) {
    const entries = list(models);
    const bad = entries.find((entry) => !MODEL_PATTERN.test(entry));
    if (bad !== undefined) throw new ConfigError("PROXY_ALLOWED_MODELS", `entries must be model ids like openai/gpt-4o, or prefixes like openai/* (got "${bad}")`);
    if (entries.length === 0) throw new ConfigError("PROXY_ALLOWED_MODELS", "must list at least one model id (leave it unset to allow every model)");
    allowedModels = Object.freeze(entries);
  }
  const optional = (name: string, min: number, max: number) => (read(name) === undefined ? undefined : integer(read, name, 0, min, max));
  const rateMax = optional("PROXY_RATE_LIMIT", 1, 1_000_000);
  if (rateMax === undefined && read("PROXY_RATE_WINDOW_SECONDS") !== undefined) {
    throw new ConfigError("PROXY_RATE_WINDOW_SECONDS", "only applies together with PROXY_RATE_LIMIT");
  }
  const spendCredits = credits(read, "PROXY_SPEND_LIMIT");
  if (spendCredits === undefined && read("PROXY_SPEND_WINDOW_SECONDS") !== undefined) {
    throw new ConfigError("PROXY_SPEND_WINDOW_SECONDS", "only applies together with PROXY_SPEND_LIMIT");
  }
  return Object.freeze({
    enabled,
    maxBodyBytes: integer(read, "PROXY_MAX_BODY_BYTES", 1_048_576, 1_024, 104_857_600),
    allowedModels,
    maxTokens: optional("PROXY_MAX_TOKENS", 1, 10_000_000),
    rateLimit: rateMax === undefined ? undefined : Object.freeze({ max: rateMax, windowSeconds: integer(read, "PROXY_RATE_WINDOW_SECONDS", 60, 1, 86_400) }),
    maxConcurrentStreams: optional("PROXY_MAX_CONCURRENT_STREAMS", 1, 100_000),
    spendLimit: spendCredits === undefined ? undefined : Object.freeze({ credits: spendCredits, windowSeconds: integer(read, "PROXY_SPEND_WINDOW_SECONDS", 86_400, 1, 31_536_000) }),
    idleTimeoutMs: integer(read, "PROXY_IDLE_TIMEOUT_MS", 120_000, 1_000, 3_600_000),
  });
}

function metricsConfig(read: Read, gatewayPort: number): MetricsConfig | undefined {
  const host = read("METRICS_HOST");
  if (read("METRICS_PORT") === undefined) {
    if (host !== undefined) throw new ConfigError("METRICS_HOST", "only applies together with METRICS_PORT");
    return undefined;
  }
  const port = integer(read, "METRICS_PORT", 0, 0, 65535);
  if (port !== 0 && port === gatewayPort) throw new ConfigError("METRICS_PORT", `must differ from PORT (${gatewayPort}): metrics have a listener of their own`);
  if (host !== undefined && isIP(host) === 0 && !/^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(host)) {
    throw new ConfigError("METRICS_HOST", `must be an IP address or a host name, like 127.0.0.1 or 0.0.0.0 (got "${host}")`);
  }
  return Object.freeze({ port, host: host ?? METRICS_DEFAULT_HOST });
}

/**
 * Where sessions live (issue 6), from exactly one of:
 * - `REDIS_URL`: one Redis, `redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS;
 * - `REDIS_CLUSTER_NODES`: seed nodes of a Redis Cluster, comma-separated, each `host:port` or
 *   `redis://[user:password@]host:port` (`rediss://` for TLS); all entries alike in scheme and credentials;
 * - `REDIS_SENTINELS` (same forms, port 26379 by default) with `REDIS_SENTINEL_NAME`, the master's
 *   name; credentials and TLS given there apply to the sentinels and to the master alike.
 */
export type RedisConfig =
  | { readonly mode: "standalone"; readonly url: string }
  | ({ readonly mode: "cluster"; readonly nodes: readonly RedisNode[] } & RedisAccess)
  | ({ readonly mode: "sentinel"; readonly sentinels: readonly RedisNode[]; readonly name: string } & RedisAccess);

export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

export interface RedisAccess {
  readonly tls: boolean;
  readonly username?: string;
  readonly password?: string;
}

const REDIS_VARIABLES = ["REDIS_URL", "REDIS_CLUSTER_NODES", "REDIS_SENTINELS"] as const;

function redisConfig(read: Read, production: boolean): RedisConfig | undefined {
  const given = REDIS_VARIABLES.filter((name) => read(name) !== undefined);
  if (given.length > 1) {
    throw new ConfigError(given[1]!, `cannot be combined with ${given[0]}: set one of ${REDIS_VARIABLES.join(", ")}`);
  }
  const sentinelName = read("REDIS_SENTINEL_NAME");
  if (sentinelName !== undefined && given[0] !== "REDIS_SENTINELS") {
    throw new ConfigError("REDIS_SENTINEL_NAME", "only applies together with REDIS_SENTINELS");
  }
  switch (given[0]) {
    case undefined:
      if (production) {
        throw new ConfigError("REDIS_URL", "is required when NODE_ENV=production, or REDIS_CLUSTER_NODES, or REDIS_SENTINELS (the in-process store loses sessions and does not scale)");
      }
      return undefined;
    case "REDIS_URL": {
      const url = read("REDIS_URL")!;
      if (!/^rediss?:\/\/[^\s]+$/.test(url)) throw new ConfigError("REDIS_URL", "must be a redis:// or rediss:// URL");
      return Object.freeze({ mode: "standalone", url });
    }
    case "REDIS_CLUSTER_NODES": {
      const { nodes, access } = redisNodes("REDIS_CLUSTER_NODES", read("REDIS_CLUSTER_NODES")!, 6379);
      return Object.freeze({ mode: "cluster", nodes, ...access });
    }
    case "REDIS_SENTINELS": {
      if (sentinelName === undefined) throw new ConfigError("REDIS_SENTINEL_NAME", "is required with REDIS_SENTINELS (the name of the master the sentinels watch)");
      if (!/^[^\s,]{1,128}$/.test(sentinelName)) throw new ConfigError("REDIS_SENTINEL_NAME", `must be a master name without spaces or commas (got "${sentinelName}")`);
      const { nodes, access } = redisNodes("REDIS_SENTINELS", read("REDIS_SENTINELS")!, 26379);
      return Object.freeze({ mode: "sentinel", sentinels: nodes, name: sentinelName, ...access });
    }
  }
}

/** A comma-separated list of `host[:port]` or `redis[s]://[user:password@]host[:port]` entries that agree on scheme and credentials. */
function redisNodes(name: string, value: string, defaultPort: number): { nodes: readonly RedisNode[]; access: RedisAccess } {
  const entries = list(value).map((entry) => {
    // Never echo a password back in an error line.
    const shown = entry.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^@/]*@/i, "$1***@");
    let parsed: URL | undefined;
    try {
      parsed = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ? entry : `redis://${entry}`);
    } catch {
      parsed = undefined;
    }
    if (
      parsed === undefined ||
      (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") ||
      parsed.hostname === "" ||
      !["", "/"].includes(parsed.pathname) ||
      parsed.search !== "" ||
      parsed.hash !== "" ||
      parsed.port === "0"
    ) {
      throw new ConfigError(name, `entries must be host:port, redis://host:port or rediss://host:port (got "${shown}")`);
    }
    const decode = (text: string): string => {
      try {
        return decodeURIComponent(text);
      } catch {
        throw new ConfigError(name, `has a badly percent-encoded user or password (in "${shown}")`);
      }
    };
    return {
      node: Object.freeze({ host: parsed.hostname.replace(/^\[(.*)\]$/, "$1"), port: parsed.port === "" ? defaultPort : Number(parsed.port) }),
      tls: parsed.protocol === "rediss:",
      username: decode(parsed.username),
      password: decode(parsed.password),
    };
  });
  const first = entries[0];
  if (first === undefined) throw new ConfigError(name, "must list at least one host:port");
  if (entries.some((entry) => entry.tls !== first.tls || entry.username !== first.username || entry.password !== first.password)) {
    throw new ConfigError(name, "entries must all use the same scheme (redis:// or rediss://) and the same credentials");
  }
  const access: RedisAccess = Object.freeze({
    tls: first.tls,
    ...(first.username === "" ? {} : { username: first.username }),
    ...(first.password === "" ? {} : { password: first.password }),
  });
  return { nodes: Object.freeze(entries.map((entry) => entry.node)), access };
}
