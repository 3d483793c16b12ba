import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The package's root folder, found from this file whether it runs from source (gateway/) or
 * compiled (dist/gateway/): where schema.graphql, the element bundle and the demo page live.
 */
export const packageRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 5; depth++) {
    if (existsSync(join(dir, "schema.graphql")) && existsSync(join(dir, "package.json"))) return dir;
    dir = dirname(dir);
  }
  throw new Error("openrouter-auth: cannot find the package root (schema.graphql) from " + fileURLToPath(import.meta.url));
})();
