/**
 * Compiles the gateway and the bench's own servers to plain JavaScript in bench/.build/ (esbuild,
 * one file per module, the layout kept), so that every server under load runs on plain `node`
 * as `npm start` runs dist/: no TypeScript loader thread in its RSS or its CPU profile.
 */
import { readdirSync, rmSync } from "node:fs";
import { join, sep } from "node:path";
import * as esbuild from "esbuild";
import { packageRoot } from "../gateway/util/package-root.js";

export const BUILD_DIR = join(packageRoot, "bench", ".build");

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") && !entry.name.endsWith(".test.ts"))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Compiles gateway/, dev/ and bench/ (not bench/.build/ itself); resolves to BUILD_DIR. */
export async function compileForBench(): Promise<string> {
  const sources = ["gateway", "dev", "bench"].flatMap((dir) => typeScriptFiles(join(packageRoot, dir))).filter((file) => !file.startsWith(BUILD_DIR + sep));
  rmSync(BUILD_DIR, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: sources,
    outdir: BUILD_DIR,
    outbase: packageRoot,
    format: "esm",
    platform: "node",
    target: "node20",
    bundle: false,
    logLevel: "warning",
  });
  return BUILD_DIR;
}
