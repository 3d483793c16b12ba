import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { MetricsConfig } from "../config.js";
import type { GatewayMetrics } from "../metrics/recorders.js";

/** The metrics listener, once bound. */
export interface MetricsListener {
  readonly server: Server;
  /** The address and port actually bound (the port differs from the setting when it was 0). */
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` on a listener of its own (METRICS_PORT), apart from the gateway's: it
 * binds where METRICS_HOST says, loopback by default, since metrics have no protection of their
 * own. Every other path is 404. Rejects when the port cannot be bound.
 */
export async function listenForMetrics(metrics: GatewayMetrics, config: MetricsConfig): Promise<MetricsListener> {
  const server = createServer((req, res) => {
    if (req.url?.split("?")[0] !== "/metrics") {
      res.statusCode = 404;
      res.setHeader("content-type", "text/plain; charset=utf-8");
      res.end("Metrics are served at /metrics.\n");
      return;
    }
    // Only Node's request and response features are used by the handler: no Express here.
    metrics.handler(req as never, res as never, () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    server,
    host: address,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
