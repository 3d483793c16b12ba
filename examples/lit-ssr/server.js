/**
 * A page rendered on the server with @lit-labs/ssr, `<openrouter-auth>` included (as declarative
 * shadow DOM), and hydrated in the browser by client.js. `npm run build` bundles client.js into
 * public/client.js; `npm start` serves the page on PORT (default 3000).
 *
 * OPENROUTER_AUTH_ENDPOINT is the gateway's GraphQL URL (default `/graphql`, for a gateway on
 * this origin); this page's origin must be in the gateway's ALLOWED_ORIGINS.
 */
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { render } from "@lit-labs/ssr";
import { RenderResultReadable } from "@lit-labs/ssr/lib/render-result-readable.js";
import { html } from "lit";
// Registers the tag on the server too, so @lit-labs/ssr renders its shadow root.
import "openrouter-auth/define";

const endpoint = process.env.OPENROUTER_AUTH_ENDPOINT ?? "/graphql";
const port = Number(process.env.PORT ?? 3000);
const client = await readFile(new URL("./public/client.js", import.meta.url));

const page = () => html`<!doctype html>
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <title>openrouter-auth with Lit SSR</title>
      <script type="module" src="/client.js"></script>
    </head>
    <body>
      <h1>Drafts</h1>
      <openrouter-auth endpoint=${endpoint}>
        <label>Model <select><option>openai/gpt-4o-mini</option></select></label>
        <p slot="signed-out">Connect OpenRouter to choose a model.</p>
      </openrouter-auth>
    </body>
  </html>`;

createServer((req, res) => {
  if (req.url === "/client.js") {
    res.writeHead(200, { "content-type": "text/javascript" }).end(client);
  } else if (req.url === "/") {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    new RenderResultReadable(render(page())).pipe(res);
  } else {
    res.writeHead(404).end();
  }
}).listen(port, () => console.log(`http://localhost:${port}/`));
