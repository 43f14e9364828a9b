import ipaddr from 'ipaddr.js';

/**
 * The network part of an address: IPv4 /24, IPv6 /48 (IPv4-mapped IPv6 counts as IPv4).
 * Truncation before hashing means even the key holder only learns the network, not the host.
 * Returns undefined for something that is not an IP address.
 */
export function truncateIp(raw: string): string | undefined {
  const text = raw.trim().replace(/^\[|\]$/g, '');
  if (!ipaddr.isValid(text)) return undefined;
  let addr = ipaddr.parse(text);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress())
    addr = (addr as ipaddr.IPv6).toIPv4Address();
  if (addr.kind() === 'ipv4') {
    const [a, b, c] = (addr as ipaddr.IPv4).octets;
    return `${a}.${b}.${c}.0/24`;
  }
  const parts = (addr as ipaddr.IPv6).parts.slice(0, 3);
  return `${ipaddr.fromByteArray([...parts.flatMap((p) => [p >> 8, p & 0xff]), ...new Array(10).fill(0)]).toString()}/48`;
}
