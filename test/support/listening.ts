import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A server of a test's own (a host app, say), listening on a free loopback port. */
export interface Listening {
  readonly url: string;
  /** Drops its connections, kept alive or not, and waits until it has stopped. */
  close(): Promise<void>;
}

export async function listening(server: Server): Promise<Listening> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
