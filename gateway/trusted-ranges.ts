import { isIP } from "node:net";

/**
 * How much of the public internet a TRUST_PROXY list trusts. Every address in a trusted range may
 * write the client address the gateway sees (X-Forwarded-For), and with it pick a fresh sign-in
 * attempt budget per request: a range as wide as `0.0.0.0/0`, or its two halves, hands that to
 * anyone. The list is measured as the number of public addresses it covers, per family, so that
 * splitting a range into pieces measures the same as the whole.
 */

/** The most public addresses a TRUST_PROXY list may trust: a /8 of IPv4 (1/256 of it) and a /16 of IPv6. */
export const MAX_TRUSTED_PUBLIC = Object.freeze({ ipv4: 2n ** 24n, ipv6: 2n ** 112n });

/** A range of addresses in the 128-bit space, IPv4 mapped into `::ffff:0:0/96` (as Express matches an IPv4 client against IPv6 ranges). */
interface Range {
  readonly start: bigint;
  /** Exclusive. */
  readonly end: bigint;
}

const IPV4_MAPPED = 0xffffn << 32n;

/** The addresses of one CIDR, `address/prefix` in the 128-bit space (IPv4 given in its own 32-bit terms). */
function cidr(address: string, prefix: number): Range {
  const family = isIP(address);
  const bits = family === 4 ? 32 : 128;
  const value = family === 4 ? ipv4Value(address) : ipv6Value(address);
  const size = 2n ** BigInt(bits - prefix);
  const start = (value / size) * size;
  const base = family === 4 ? IPV4_MAPPED : 0n;
  return { start: base + start, end: base + start + size };
}

/** Everything that a public client can send from: IPv4 but the special-purpose blocks, and IPv6's global unicast. */
const IPV4_SPACE = cidr("0.0.0.0", 0);
const IPV6_PUBLIC = cidr("2000::", 3);
/** IANA's special-purpose IPv4 blocks, none of which routes on the internet; disjoint. @see https://www.iana.org/assignments/iana-ipv4-special-registry */
const IPV4_NOT_PUBLIC = [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
].map(([address, prefix]) => cidr(address as string, prefix as number));

/**
 * The public addresses that these TRUST_PROXY entries trust, per family; overlapping entries are
 * counted once. Named ranges (`loopback`…) trust no public address.
 * @param entries addresses, `address/prefix` and IPv4 `address/netmask` (already checked), or names
 */
export function trustedPublicAddresses(entries: readonly string[]): { ipv4: bigint; ipv6: bigint } {
  const ranges = merged(entries.flatMap((entry) => (isIP(entry.split("/")[0] ?? "") === 0 ? [] : [rangeOf(entry)])));
  const within = (region: Range) => ranges.reduce((sum, range) => sum + overlap(range, region), 0n);
  return {
    ipv4: within(IPV4_SPACE) - IPV4_NOT_PUBLIC.reduce((sum, region) => sum + within(region), 0n),
    ipv6: within(IPV6_PUBLIC),
  };
}

/** The prefix length of a contiguous IPv4 netmask (`255.255.0.0` → 16), or undefined for one with holes. */
export function netmaskPrefix(netmask: string): number | undefined {
  const bits = ipv4Value(netmask).toString(2).padStart(32, "0");
  return /^1*0*$/.test(bits) ? bits.indexOf("0") === -1 ? 32 : bits.indexOf("0") : undefined;
}

function rangeOf(entry: string): Range {
  const [address = "", range] = entry.split("/");
  const family = isIP(address);
  if (range === undefined) return cidr(address, family === 4 ? 32 : 128);
  return cidr(address, /^\d+$/.test(range) ? Number(range) : netmaskPrefix(range)!);
}

function merged(ranges: Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: Range[] = [];
  for (const range of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && range.start <= last.end) out[out.length - 1] = { start: last.start, end: range.end > last.end ? range.end : last.end };
    else out.push(range);
  }
  return out;
}

function overlap(a: Range, b: Range): bigint {
  const start = a.start > b.start ? a.start : b.start;
  const end = a.end < b.end ? a.end : b.end;
  return end > start ? end - start : 0n;
}

function ipv4Value(address: string): bigint {
  return address.split(".").reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
}

/** A valid IPv6 address as a number: `::` expanded, a dotted IPv4 tail read as two groups, a zone (`%eth0`) dropped. */
function ipv6Value(address: string): bigint {
  let text = address.replace(/%.*$/, "");
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted !== null) {
    const tail = ipv4Value(dotted[1]!);
    text = `${text.slice(0, dotted.index)}${(tail >> 16n).toString(16)}:${(tail & 0xffffn).toString(16)}`;
  }
  const [head = "", rest] = text.split("::");
  const groups = (part: string) => (part === "" ? [] : part.split(":").map((group) => BigInt(parseInt(group, 16))));
  const front = groups(head);
  const back = rest === undefined ? [] : groups(rest);
  return [...front, ...Array<bigint>(8 - front.length - back.length).fill(0n), ...back].reduce((value, group) => (value << 16n) | group, 0n);
}
