import { BlockList, isIP } from 'node:net';

/** A NAS client's `ip_address`: one address or a network (CIDR), as PostgreSQL's `cidr` holds it. */
export interface NasNetwork {
  address: string;
  prefix: number;
  family: 4 | 6;
}

export const NAS_ADDRESS_MESSAGE = 'Enter a valid IPv4 or IPv6 address, or a network in CIDR notation (e.g. 192.0.2.0/24).';

/** An IPv4 address arriving on a dual-stack socket (`::ffff:192.0.2.1`) as plain IPv4. */
export function plainAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

/** Parses `192.0.2.10`, `192.0.2.0/24`, `2001:db8::/32`; undefined when it is neither. Host bits are checked by PostgreSQL. */
export function parseNasNetwork(text: string): NasNetwork | undefined {
  const [address, prefixText, ...rest] = text.trim().split('/');
  if (address === undefined || rest.length > 0) return undefined;
  const family = isIP(address);
  if (family !== 4 && family !== 6) return undefined;
  const max = family === 4 ? 32 : 128;
  if (prefixText === undefined) return { address, prefix: max, family };
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) return undefined;
  return { address, prefix: Number(prefixText), family };
}

/** How the API shows a network: a single host without its /32 or /128, a network as CIDR. */
export function formatNasNetwork(cidr: string): string {
  const network = parseNasNetwork(cidr);
  if (!network) return cidr;
  return network.prefix === (network.family === 4 ? 32 : 128) ? network.address : `${network.address}/${network.prefix}`;
}

/** Source addresses whose match is remembered; past this many the memory starts over (spoofed sources cannot grow it). */
const MATCHES_REMEMBERED = 10_000;

/**
 * A set of NAS networks; `match` gives the most specific one holding an address (longest prefix).
 * Each source address's match is remembered until the set changes: a packet from a known NAS costs
 * one Map lookup, not a walk through every network's BlockList.
 */
export class NasNetworkMatcher<T> {
  private readonly entries: { network: NasNetwork; list: BlockList; value: T }[] = [];
  private readonly matched = new Map<string, T | undefined>();

  add(cidr: string, value: T): void {
    const network = parseNasNetwork(cidr);
    if (!network) return;
    const list = new BlockList();
    list.addSubnet(network.address, network.prefix, network.family === 4 ? 'ipv4' : 'ipv6');
    this.entries.push({ network, list, value });
    this.entries.sort((a, b) => b.network.prefix - a.network.prefix);
    this.matched.clear();
  }

  match(source: string): T | undefined {
    if (this.matched.has(source)) return this.matched.get(source);
    if (this.matched.size >= MATCHES_REMEMBERED) this.matched.clear();
    const found = this.find(source);
    this.matched.set(source, found);
    return found;
  }

  private find(source: string): T | undefined {
    const address = plainAddress(source);
    const family = isIP(address);
    if (family === 0) return undefined;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    return this.entries.find((entry) => entry.network.family === family && entry.list.check(address, type))?.value;
  }
}
