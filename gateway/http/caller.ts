import { isIPv4, isIPv6 } from "node:net";
import type { Request } from "express";
import type { Caller } from "../model.js";

/** Who is asking, for the attempt limits: the client's network (per `trust proxy`) and session. */
export function callerOf(req: Request): Caller {
  return { ip: clientNetwork(req.ip ?? req.socket.remoteAddress ?? "unknown"), sessionId: req.sessionHandle?.storedId, secure: req.secure };
}

/**
 * The unit a client address is counted in. An IPv4 address is one client. An IPv6 client
 * usually holds a whole /64 (one home or one host gets a /64 or more), so counting single
 * addresses would give it 2^64 attempt budgets: it is counted per /64 prefix instead, written
 * `2001:db8:0:1::/64`. An IPv4-mapped address (`::ffff:192.0.2.1`, as a dual-stack socket
 * reports an IPv4 client) is that IPv4 address, so one client has one budget whichever way it came.
 * Anything else (not an address) is returned as it is.
 * @see https://www.rfc-editor.org/rfc/rfc4291#section-2.5.5.2
 */
export function clientNetwork(address: string): string {
  // A zone (`fe80::1%eth0`) names a local interface, not a part of the address.
  const bare = address.replace(/%.*$/, "");
  if (isIPv4(bare) || !isIPv6(bare)) return bare;
  const groups = ipv6Groups(bare);
  const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (mapped) return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join(".");
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(":")}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, `::` expanded and a dotted IPv4 tail read as two groups. */
function ipv6Groups(address: string): number[] {
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  let text = address;
  if (dotted !== null) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${address.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((group) => parseInt(group, 16)));
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  return [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
}
