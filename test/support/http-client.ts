/**
 * A small HTTP client for gateway tests that keeps cookies like one browser profile would:
 * Set-Cookie is stored (honouring Max-Age / Expires deletion and Path), and sent back on every
 * request. Redirects are never followed, so tests see each 302 and its Location.
 */

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** The parsed JSON when the response is JSON (content-type containing "json"), else the text. */
  body: T;
  text: string;
  /** The raw Set-Cookie header values of this response. */
  setCookies: string[];
}

export interface HttpClientOptions {
  /** Sent as the `Origin` header on every request. */
  origin?: string;
  /** Sent on every request; per-request headers win. */
  headers?: Record<string, string>;
  /** Abort each request after this long (default 15000 ms). */
  timeoutMs?: number;
}

export interface GraphQLResponseBody<T> {
  data?: T;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

interface CookieMeta {
  path: string;
  /** Epoch ms; undefined for a session cookie. */
  expiresAt?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/** RFC 6265 §5.1.4 path-match. */
function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith("/") || requestPath[cookiePath.length] === "/";
}

/** RFC 6265 §5.1.4 default-path: the request path up to, not including, its last "/". */
function defaultPath(requestPath: string): string {
  if (!requestPath.startsWith("/")) return "/";
  const last = requestPath.lastIndexOf("/");
  return last <= 0 ? "/" : requestPath.slice(0, last);
}

export class HttpClient {
  /** Cookies currently held (name → value); tests may set or delete entries directly. */
  readonly cookies = new Map<string, string>();
  readonly baseUrl: string;
  private readonly meta = new Map<string, CookieMeta>();

  constructor(
    baseUrl: string,
    private readonly options: HttpClientOptions = {},
  ) {
    this.baseUrl = baseUrl;
  }

  /** The Cookie header a browser would send; for a given request path when one is given. */
  cookieHeader(path?: string): string {
    const now = Date.now();
    const pairs: string[] = [];
    for (const [name, value] of this.cookies) {
      const meta = this.meta.get(name);
      if (meta?.expiresAt !== undefined && meta.expiresAt <= now) {
        this.cookies.delete(name);
        this.meta.delete(name);
        continue;
      }
      if (path !== undefined && !pathMatches(path, meta?.path ?? "/")) continue;
      pairs.push(`${name}=${value}`);
    }
    return pairs.join("; ");
  }

  get<T = unknown>(path: string, init: { headers?: Record<string, string> } = {}): Promise<HttpResponse<T>> {
    return this.request<T>("GET", path, init);
  }

  post<T = unknown>(
    path: string,
    json?: unknown,
    init: { headers?: Record<string, string>; rawBody?: string; contentType?: string } = {},
  ): Promise<HttpResponse<T>> {
    let body: string | undefined;
    let contentType = init.contentType;
    if (init.rawBody !== undefined) {
      body = init.rawBody;
    } else if (json !== undefined) {
      body = JSON.stringify(json);
      contentType ??= "application/json";
    }
    const headers = { ...(contentType === undefined ? {} : { "content-type": contentType }), ...init.headers };
    return this.request<T>("POST", path, { headers, ...(body === undefined ? {} : { body }) });
  }

  /** POST /graphql {query, variables}; body is the parsed GraphQL response. */
  graphql<T = any>(query: string, variables?: Record<string, unknown>): Promise<HttpResponse<GraphQLResponseBody<T>>> {
    const endpoint = new URL("/graphql", this.baseUrl).href;
    return this.post<GraphQLResponseBody<T>>(endpoint, variables === undefined ? { query } : { query, variables }, {
      contentType: "application/json",
    });
  }

  /** Any method: `path` resolves against baseUrl; cookies, Origin and default headers are added. */
  async request<T = unknown>(
    method: string,
    path: string,
    init: { headers?: Record<string, string>; body?: string } = {},
  ): Promise<HttpResponse<T>> {
    const url = new URL(path, this.baseUrl);
    const headers = new Headers(this.options.headers);
    if (this.options.origin !== undefined) headers.set("origin", this.options.origin);
    const cookie = this.cookieHeader(url.pathname);
    if (cookie) headers.set("cookie", cookie);
    for (const [name, value] of Object.entries(init.headers ?? {})) headers.set(name, value);

    const response = await fetch(url, {
      method,
      headers,
      redirect: "manual",
      signal: AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      ...(init.body === undefined ? {} : { body: init.body }),
    });
    const setCookies = response.headers.getSetCookie();
    for (const line of setCookies) this.store(line, url.pathname);
    const text = await response.text();
    let body: unknown = text;
    if (text !== "" && (response.headers.get("content-type") ?? "").toLowerCase().includes("json")) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    return { status: response.status, headers: response.headers, body: body as T, text, setCookies };
  }

  /**
   * A `fetch` that carries this client's cookies and Origin, for GraphQL client libraries: what
   * `credentials: "include"` does for them in a browser. Set-Cookie answers go into the jar.
   */
  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const headers = new Headers(request.headers);
    if (this.options.origin !== undefined) headers.set("origin", this.options.origin);
    for (const [name, value] of Object.entries(this.options.headers ?? {})) headers.set(name, value);
    const path = new URL(request.url).pathname;
    const cookie = this.cookieHeader(path);
    if (cookie) headers.set("cookie", cookie);
    const response = await fetch(new Request(request, { headers, redirect: "manual", signal: AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS) }));
    for (const line of response.headers.getSetCookie()) this.store(line, path);
    return response;
  };

  /** A client with a copy of this one's cookies (a second browser tab). */
  clone(): HttpClient {
    const copy = new HttpClient(this.baseUrl, { ...this.options, ...(this.options.headers ? { headers: { ...this.options.headers } } : {}) });
    for (const [name, value] of this.cookies) copy.cookies.set(name, value);
    for (const [name, meta] of this.meta) copy.meta.set(name, { ...meta });
    return copy;
  }

  /** Applies one Set-Cookie line; Domain is ignored (all test hosts are one). */
  private store(line: string, requestPath: string): void {
    const [pair = "", ...attributes] = line.split(";");
    const eq = pair.indexOf("=");
    if (eq <= 0) return;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    let path: string | undefined;
    let maxAge: number | undefined;
    let expires: number | undefined;
    for (const attribute of attributes) {
      const at = attribute.indexOf("=");
      const key = (at === -1 ? attribute : attribute.slice(0, at)).trim().toLowerCase();
      const val = at === -1 ? "" : attribute.slice(at + 1).trim();
      if (key === "path" && val.startsWith("/")) path = val;
      else if (key === "max-age" && /^-?\d+$/.test(val)) maxAge = Number(val);
      else if (key === "expires") {
        const time = Date.parse(val);
        if (!Number.isNaN(time)) expires = time;
      }
    }
    // Max-Age wins over Expires (RFC 6265 §5.3 step 3).
    const expiresAt = maxAge !== undefined ? Date.now() + maxAge * 1000 : expires;
    if (expiresAt !== undefined && expiresAt <= Date.now()) {
      this.cookies.delete(name);
      this.meta.delete(name);
      return;
    }
    this.cookies.set(name, value);
    this.meta.set(name, { path: path ?? defaultPath(requestPath), ...(expiresAt === undefined ? {} : { expiresAt }) });
  }
}
