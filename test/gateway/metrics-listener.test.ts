import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import express from "express";
import { register } from "prom-client";
import { createOpenRouterAuth, loadConfig } from "../../gateway/index.js";
import { createGatewayMetrics } from "../../gateway/metrics/registry.js";
import { listenForMetrics } from "../../gateway/server/metrics-listener.js";
import { TEST_SECRETS, startGateway } from "../support/gateway.js";
import { configRefusal } from "../support/config-refusal.js";
import { parsePrometheusText, valueOf } from "../support/prometheus-text.js";
import { waitFor } from "../support/wait-for.js";

const METRICS = "/metrics";

describe("the metrics listener", () => {
  it("binds loopback when METRICS_HOST is not set, even when the gateway listens on every interface", async () => {
    const config = loadConfig({ HOST: "0.0.0.0", METRICS_PORT: "0" });
    assert.deepEqual(config.metrics, { port: 0, host: "127.0.0.1" });
    const listener = await listenForMetrics(createGatewayMetrics({ allowedModels: undefined }), config.metrics!);
    try {
      assert.equal(listener.host, "127.0.0.1");
      assert.equal((listener.server.address() as AddressInfo).address, "127.0.0.1");
      const scrape = await fetch(`http://127.0.0.1:${listener.port}${METRICS}`);
      assert.equal(scrape.status, 200);
      assert.ok(parsePrometheusText(await scrape.text()).samples.length > 0);
      assert.equal((await fetch(`http://127.0.0.1:${listener.port}/`)).status, 404, "nothing but /metrics");
      assert.equal((await fetch(`http://127.0.0.1:${listener.port}${METRICS}`, { method: "POST" })).status, 405);
    } finally {
      await listener.close();
    }
  });

  it("binds where METRICS_HOST says", async () => {
    const config = loadConfig({ METRICS_PORT: "0", METRICS_HOST: "::1" });
    const listener = await listenForMetrics(createGatewayMetrics({ allowedModels: undefined }), config.metrics!);
    try {
      assert.equal(listener.host, "::1");
      assert.equal((await fetch(`http://[::1]:${listener.port}${METRICS}`)).status, 200);
    } finally {
      await listener.close();
    }
  });

  for (const [env, variable, words] of [
    [{ METRICS_HOST: "0.0.0.0" }, "METRICS_HOST", /only applies together with METRICS_PORT/],
    [{ METRICS_PORT: "nine" }, "METRICS_PORT", /whole number from 0 to 65535/],
    [{ METRICS_PORT: "8080" }, "METRICS_PORT", /must differ from PORT \(8080\)/],
    [{ METRICS_PORT: "9464", METRICS_HOST: "not a host/" }, "METRICS_HOST", /IP address or a host name/],
  ] as const) {
    it(`refuses ${JSON.stringify(env)} with one line naming ${variable}`, () => {
      const error = configRefusal(env);
      assert.equal(error.variable, variable);
      assert.match(error.message, words);
    });
  }

  it("is started by the standalone server when METRICS_PORT is set, and serves the gateway's own metrics", async () => {
    const server = fileURLToPath(new URL("../../gateway/server/main.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", server], {
      env: { ...process.env, ...TEST_SECRETS, PORT: "0", HOST: "127.0.0.1", METRICS_PORT: "0", REDIS_URL: "", LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      const lineOf = (event: string) => stdout.split("\n").map((line) => (line.startsWith("{") ? (JSON.parse(line) as { event?: string; host?: string; port?: number }) : {})).find((line) => line.event === event);
      await waitFor(() => lineOf("metrics.listening") !== undefined && lineOf("listening") !== undefined, 30_000);
      const metrics = lineOf("metrics.listening")!;
      assert.equal(metrics.host, "127.0.0.1");
      assert.equal((await fetch(`http://127.0.0.1:${lineOf("listening")!.port}/healthz`)).status, 200);
      const scrape = parsePrometheusText(await (await fetch(`http://127.0.0.1:${metrics.port}${METRICS}`)).text());
      assert.equal(valueOf(scrape, "openrouter_auth_http_request_duration_seconds_count", { surface: "health", route: "/healthz", status: "200" }), 1);
      assert.equal(valueOf(scrape, "openrouter_auth_session_store_up"), 1, "the in-process store is always up");
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
  });
});

describe("metrics in a host's app", () => {
  it("are off by default: no registry, nothing recorded", async () => {
    const gateway = await startGateway({});
    try {
      assert.equal(gateway.gateway.metrics, undefined);
      assert.equal(gateway.gateway.config.metrics, undefined);
    } finally {
      await gateway.close();
    }
  });

  it("serve a handler the host mounts where it likes, from a registry of their own that leaves the default one alone", async () => {
    const app = express();
    const auth = createOpenRouterAuth({ env: { ...TEST_SECRETS, LOG_LEVEL: "silent" }, metrics: true });
    app.use("/auth", auth);
    app.get("/internal/metrics", auth.metrics!.handler);
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      assert.equal((await fetch(`${base}/auth/graphql?query=%7Bstatus%7Bauthenticated%7D%7D`)).status, 200);
      const scrape = parsePrometheusText(await (await fetch(`${base}/internal/metrics`)).text());
      assert.equal(valueOf(scrape, "openrouter_auth_http_request_duration_seconds_count", { surface: "graphql", route: "/graphql", status: "200" }), 1, "the route without the host's mount point");
      assert.equal(valueOf(scrape, "openrouter_auth_graphql_operations_total", { operation: "status", outcome: "success" }), 1);
      assert.doesNotMatch(await register.metrics(), /openrouter_auth_/, "prom-client's default registry is untouched");
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await auth.close();
    }
  });
});
