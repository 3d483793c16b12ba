import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { PREFIX } from "../../gateway/metrics/definitions.js";
import { listenForMetrics, type MetricsListener } from "../../gateway/server/metrics-listener.js";
import { startTestStack, type TestStack } from "../support/gateway.js";
import { HttpClient } from "../support/http-client.js";
import { parsePrometheusText, promtool, valueOf, type Sample, type Scrape } from "../support/prometheus-text.js";
import { waitFor } from "../support/wait-for.js";

const RULES_DIR = fileURLToPath(new URL("../../docs/prometheus/", import.meta.url));
const RULES = join(RULES_DIR, "alerts.rules.yml");
const VALIDATE = "mutation($k: String!) { validateKey(apiKey: $k) { valid } }";
const REST = "/api/v1/openrouter/auth";
/** The labels Prometheus adds to every series it scrapes. */
const TARGET = { job: "openrouter-auth", instance: "gateway-under-test:9464" };

describe("the alert rules file", () => {
  it("is valid for promtool check rules", async () => {
    const { code, output } = await promtool(["check", "rules", RULES]);
    assert.equal(code, 0, output);
    assert.match(output, /SUCCESS: 6 rules found/);
  });

  it("passes its own unit tests (promtool test rules): each alert fires on what should wake someone, and not on healthy series", async () => {
    const { code, output } = await promtool(["test", "rules", "alerts.test.yml"], { cwd: RULES_DIR });
    assert.equal(code, 0, output);
    assert.match(output, /SUCCESS/);
  });
});

describe("the alerts on series scraped from a real gateway", () => {
  let stack: TestStack;
  let listener: MetricsListener;
  let work: string;

  before(async () => {
    // A private Redis: stopped for the outage.
    stack = await startTestStack({ privateRedis: true, env: { METRICS_PORT: "0", UPSTREAM_TIMEOUT_MS: "1000" } });
    listener = await listenForMetrics(stack.gateway.gateway.metrics!, stack.gateway.gateway.config.metrics!);
    work = mkdtempSync(join(tmpdir(), "openrouter-auth-alerts-"));
  });
  after(async () => {
    await listener.close();
    await stack.close();
    rmSync(work, { recursive: true, force: true });
  });

  async function scrape(): Promise<Scrape> {
    return parsePrometheusText(await (await fetch(`http://127.0.0.1:${listener.port}/metrics`, { signal: AbortSignal.timeout(5_000) })).text());
  }

  /** The gateway's own series (not Node's process metrics) of a scrape. */
  const ownSeries = (scrape: Scrape): Sample[] => scrape.samples.filter((sample) => sample.name.startsWith(PREFIX) && !/_(process|nodejs)_/.test(sample.name) && !/_(bucket|sum)$/.test(sample.name));

  const selector = (sample: Sample) =>
    `${sample.name}{${Object.entries({ ...sample.labels, ...TARGET })
      .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
      .join(",")}}`;

  /**
   * promtool's input for ten minutes of traffic like that between two scrapes, scraped every 15 s:
   * each counter grows every interval by what it grew between them, each gauge holds its value
   * from before for a minute and then the one it had after.
   */
  function inputSeries(before: Scrape, after: Scrape): string {
    return ownSeries(after)
      .map((sample) => {
        const then = valueOf(before, sample.name, sample.labels as Record<string, string>);
        const counter = after.types.get(sample.name) === "counter" || sample.name.endsWith("_count");
        const values = counter ? `${then}+${sample.value - then}x40` : `${then}x4 ${sample.value}x40`;
        return `      - series: '${selector(sample)}'\n        values: '${values}'`;
      })
      .join("\n");
  }

  /** Runs promtool's unit test: at ten minutes, exactly `firing` alerts are firing and none other is even pending. */
  async function assertAlerts(name: string, before: Scrape, after: Scrape, firing: ReadonlyArray<Record<string, string>>): Promise<void> {
    const expected = firing.map((labels) => `          - labels: '${selector({ name: "ALERTS", labels: { ...labels, alertstate: "firing" }, value: 1 })}'\n            value: 1`).join("\n");
    const file = join(work, `${name}.test.yml`);
    writeFileSync(
      file,
      `rule_files:\n  - ${JSON.stringify(RULES)}\nevaluation_interval: 15s\ntests:\n  - name: ${JSON.stringify(name)}\n    interval: 15s\n    input_series:\n${inputSeries(before, after)}\n    promql_expr_test:\n      - expr: ALERTS\n        eval_time: 10m\n        exp_samples:${firing.length === 0 ? " []" : `\n${expected}`}\n`,
    );
    const { code, output } = await promtool(["test", "rules", file]);
    assert.equal(code, 0, `${name}: ${output}`);
  }

  it("fire none on healthy traffic, then each on the failure it is about: refusals spiking, OpenRouter failing, Redis down", async () => {
    const signIn = (client = new HttpClient(stack.gatewayUrl)) => client.graphql(VALIDATE, { k: stack.stub.testKeys.valid });
    const quietStart = await scrape();
    for (let i = 0; i < 3; i++) assert.equal((await signIn()).body.data?.validateKey.valid, true);
    const quietEnd = await scrape();
    await assertAlerts("healthy", quietStart, quietEnd, []);

    const elsewhere = new HttpClient(stack.gatewayUrl, { origin: "https://evil.example", headers: { "sec-fetch-site": "cross-site" } });
    for (let i = 0; i < 25; i++) assert.equal((await elsewhere.post(`${REST}/logout`, {})).status, 403);
    const refused = await scrape();
    await assertAlerts("refusals", quietEnd, refused, [{ alertname: "OpenRouterAuthRefusalsSpiking", severity: "warning", code: "FORBIDDEN_ORIGIN" }]);

    stack.stub.setFault("down");
    try {
      for (let i = 0; i < 4; i++) assert.equal((await signIn()).body.errors?.[0]?.extensions?.code, "UPSTREAM_UNAVAILABLE");
    } finally {
      stack.stub.setFault("none");
    }
    const upstreamDown = await scrape();
    await assertAlerts("openrouter", refused, upstreamDown, [{ alertname: "OpenRouterAuthOpenRouterFailing", severity: "critical" }]);

    const browser = new HttpClient(stack.gatewayUrl);
    assert.equal((await signIn(browser)).body.data?.validateKey.valid, true);
    const storeUp = await scrape();
    await stack.redis.stop();
    try {
      await waitFor(async () => valueOf(await scrape(), `${PREFIX}session_store_up`) === 0);
      for (let i = 0; i < 4; i++) assert.equal((await browser.get(`${REST}/status`)).status, 503);
      const storeDown = await scrape();
      await assertAlerts("redis", storeUp, storeDown, [
        { alertname: "OpenRouterAuthSessionStoreDown", severity: "critical" },
        { alertname: "OpenRouterAuthSessionStoreErrors", severity: "warning" },
      ]);
    } finally {
      await stack.redis.start();
    }
  });
});
