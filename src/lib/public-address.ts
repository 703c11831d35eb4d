import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Addresses an outgoing request (a webhook) may not reach: loopback, private, link-local (where
 * cloud metadata services answer, 169.254.169.254 and fd00:ec2::254), carrier-grade NAT,
 * unspecified, multicast and reserved ranges, in IPv4 and IPv6 (and IPv4 written as IPv6).
 */
const BLOCKED = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  BLOCKED.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible `::a.b.c.d` (`[::127.0.0.1]`)
  ['::ffff:0:0:0', 96], // IPv4-translated (RFC 2765), `::ffff:0:a.b.c.d`
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const)
  BLOCKED.addSubnet(net, bits, 'ipv6');

/** The IPv4 inside an IPv4-mapped or -compatible IPv6 address (`::ffff:10.0.0.1`), if any. */
function embeddedIpv4(address: string): string | undefined {
  const m = /^::(?:ffff:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (m) return m[1];
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return undefined;
  const [a, b] = [parseInt(hex[1], 16), parseInt(hex[2], 16)];
  return `${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
}

/** Whether `address` (an IP literal) is one a webhook may not reach. */
export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return BLOCKED.check(address, 'ipv4');
  if (family !== 6) return true;
  const v4 = embeddedIpv4(address.replace(/^\[|\]$/g, ''));
  if (v4) return BLOCKED.check(v4, 'ipv4');
  return BLOCKED.check(address, 'ipv6');
}

/**
 * Names that only ever mean a machine inside a private network, whatever a resolver says of them now:
 * `localhost` and `*.localhost` (RFC 6761), `*.local` (mDNS), `*.internal` (ICANN's private-use
 * domain; `metadata.google.internal`, a cloud's metadata service) and `*.home.arpa` (RFC 8375).
 */
export const isPrivateName = (host: string) => /(^|\.)(localhost|local|internal|home\.arpa)\.?$/i.test(host);

/** Thrown when a host resolves to an address a webhook may not reach. */
export class BlockedAddressError extends Error {
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(`${host} resolves to ${address}, a private, loopback, link-local or metadata address.`);
  }
}

const bare = (host: string) => host.replace(/^\[|\]$/g, '');

/**
 * The addresses `host` resolves to, every one checked (a name with one public and one private
 * address is refused). Throws BlockedAddressError, or the resolver's error when it has no address.
 */
export async function publicAddresses(host: string): Promise<{ address: string; family: number }[]> {
  const h = bare(host);
  const found = isIP(h) ? [{ address: h, family: isIP(h) }] : await lookup(h, { all: true, verbatim: true });
  for (const a of found) if (isBlockedAddress(a.address)) throw new BlockedAddressError(h, a.address);
  return found;
}
