/**
 * A host page for end-to-end tests: a small product page ("Inkwell") on its own origin that embeds
 * `<openrouter-auth>` the way docs/contract.md §8 tells hosts to, with one script tag from the gateway and
 * `endpoint` pointing at the gateway's /graphql. Served by a tiny static `node:http` server from
 * test/e2e/host-page/, where `{{GATEWAY}}` in index.html becomes the gateway's URL.
 */
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../e2e/host-page/", import.meta.url));

const FILES: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/app.css": { file: "app.css", type: "text/css; charset=utf-8" },
  "/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
};

export interface HostPage {
  /** "http://HOSTNAME:PORT/" */
  readonly url: string;
  /** "http://HOSTNAME:PORT", what the gateway's ALLOWED_ORIGINS must name. */
  readonly origin: string;
  /**
   * The gateway the page embeds, e.g. "http://localhost:8080". Set once the gateway runs: the
   * gateway needs this page's origin first (ALLOWED_ORIGINS), so the page starts before it.
   */
  gatewayUrl: string;
  close(): Promise<void>;
}

/** Starts the host page on 127.0.0.1 and a free port; `hostname` is how its URL names it. */
export async function startHostPage(options: { hostname?: string } = {}): Promise<HostPage> {
  const server = createServer(async (req, res) => {
    const entry = FILES[new URL(req.url ?? "/", "http://host").pathname];
    if (req.method !== "GET" || entry === undefined) {
      res.writeHead(entry === undefined ? 404 : 405, { "content-type": "text/plain" }).end();
      return;
    }
    try {
      let body = await readFile(ROOT + entry.file, "utf8");
      if (entry.file === "index.html") body = body.replaceAll("{{GATEWAY}}", page.gatewayUrl);
      res.writeHead(200, { "content-type": entry.type, "cache-control": "no-store" }).end(body);
    } catch {
      res.writeHead(500, { "content-type": "text/plain" }).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://${options.hostname ?? "127.0.0.1"}:${(server.address() as AddressInfo).port}`;
  const page: HostPage = {
    url: `${origin}/`,
    origin,
    gatewayUrl: "",
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return page;
}
