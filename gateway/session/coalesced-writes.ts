import type { Writable } from "node:stream";
import { Cluster, type Redis } from "ioredis";

/** What the coalescing needs of an ioredis connection. */
interface Connection {
  status: string;
  stream: Writable;
  sendCommand(command: unknown, stream?: unknown): unknown;
}

/**
 * The commands a connection sends during one turn of the event loop (the session reads of the
 * requests that arrived together, a budget's tally read beside them) go to Redis in one write,
 * and their replies come back together: under load, fewer system calls on both sides.
 *
 * ioredis's own way to do this, auto-pipelining, gathers the commands of a turn into a pipeline
 * and lets only one pipeline run at a time, so a command waits for the previous batch's replies
 * as well as its own, and the objects of every waiting command outlive young collections: with
 * it, the V8 heap promoted 1.6 KB per GET to the old generation, against 26 B here, and the old
 * generation's full collections (with their pauses) came that much more often
 * (docs/performance.md). Here the connection's socket is corked on the turn's first command
 * and uncorked once the turn's I/O is done (`setImmediate`, as auto-pipelining schedules its
 * batch): Node then writes every command of the turn in one `writev`, and each command is
 * answered as soon as its reply is read.
 *
 * On a Cluster, each node's connection does the same, from when the cluster makes it.
 */
export function coalesceWrites(redis: Redis | Cluster): void {
  if (redis instanceof Cluster) redis.on("+node", (node: Redis) => corkEachTurn(node as unknown as Connection));
  else corkEachTurn(redis as unknown as Connection);
}

function corkEachTurn(connection: Connection): void {
  const send = connection.sendCommand.bind(connection);
  let corked: Writable | undefined;
  const uncork = () => {
    const socket = corked;
    corked = undefined;
    socket?.uncork();
  };
  connection.sendCommand = (command, stream) => {
    // Only on the connection's own socket once it is ready: what ioredis sends while connecting
    // (on a socket it names) goes as it always does.
    if (corked === undefined && stream === undefined && connection.status === "ready") {
      corked = connection.stream;
      corked.cork();
      setImmediate(uncork);
    }
    return send(command, stream);
  };
}
