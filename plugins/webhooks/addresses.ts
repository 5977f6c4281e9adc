import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** Which addresses a webhook may reach besides public ones (the plugin's options). */
export interface AddressPolicy {
  readonly allowLoopback: boolean;
  readonly allowPrivateNetworks: boolean;
}

/** Addresses of this machine: loopback, and the unspecified ones (a connection to 0.0.0.0 or :: reaches this host too). */
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addSubnet('0.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addAddress('::', 'ipv6');

/** Private networks (RFC 1918, unique local addresses) and link-local ones. */
const PRIVATE = new BlockList();
PRIVATE.addSubnet('10.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('172.16.0.0', 12, 'ipv4');
PRIVATE.addSubnet('192.168.0.0', 16, 'ipv4');
PRIVATE.addSubnet('169.254.0.0', 16, 'ipv4');
PRIVATE.addSubnet('fc00::', 7, 'ipv6');
PRIVATE.addSubnet('fe80::', 10, 'ipv6');

/**
 * Why `address` (an IP address) may not be reached under `policy`, or undefined when it may.
 * IPv4-mapped IPv6 addresses (`::ffff:127.0.0.1`) count as the IPv4 address they carry.
 */
export function addressProblem(address: string, policy: AddressPolicy): string | undefined {
  const version = isIP(address);
  if (version === 0) return `${address} is not an IP address`;
  const type = version === 4 ? 'ipv4' : 'ipv6';
  if (!policy.allowLoopback && LOOPBACK.check(address, type)) return `${address} is a loopback address (this server itself); allowed with webhooksPlugin({ allowLoopback: true })`;
  if (!policy.allowPrivateNetworks && PRIVATE.check(address, type)) return `${address} is in a private or link-local network; allowed with webhooksPlugin({ allowPrivateNetworks: true })`;
  return undefined;
}

/** The host of a URL as an address or a name: IPv6 without brackets, no trailing dot, lower case. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
}

/**
 * Why a webhook may not point at `url`, judging by the URL alone (no DNS): an address literal
 * (`http://127.1/`, `http://[::1]/` — the URL parser normalizes the odd forms) in a refused range,
 * or `localhost` and names under `.localhost`. Undefined when the URL may be stored.
 */
export function urlProblem(url: URL, policy: AddressPolicy): string | undefined {
  const host = hostOf(url);
  if (isIP(host) !== 0) return addressProblem(host, policy);
  if (!policy.allowLoopback && (host === 'localhost' || host.endsWith('.localhost'))) {
    return `${host} is this server itself; allowed with webhooksPlugin({ allowLoopback: true })`;
  }
  return undefined;
}

/** The error a delivery fails with when the webhook's host resolves to a refused address. */
export class RefusedAddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RefusedAddressError';
  }
}

/** Resolves a host name to all its addresses, as `dns.lookup(host, { all: true })` does. */
export type Resolver = (hostname: string, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

const systemResolver: Resolver = (hostname, callback) => dnsLookup(hostname, { all: true }, callback);

/**
 * A `lookup` for `http.request` that resolves the host at connection time and refuses it when any
 * of its addresses is refused by `policy`, so the address checked is the address connected to: a
 * name that resolved to a public address when the webhook was saved and to 127.0.0.1 now (DNS
 * rebinding) is refused.
 */
export function guardedLookup(policy: AddressPolicy, resolve: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, (error, found) => {
      if (error) return callback(error, '');
      const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family ?? 0;
      const wanted = found.filter((entry) => family === 0 || entry.family === family);
      if (wanted.length === 0) return callback(Object.assign(new Error(`${hostname} has no IPv${family} address`), { code: 'ENOTFOUND' }), '');
      // Every address is checked, not only the first: a connection may fall back to any of them.
      for (const entry of wanted) {
        const problem = addressProblem(entry.address, policy);
        if (problem) return callback(new RefusedAddressError(`${hostname} resolves to ${problem}`), '');
      }
      if (options.all) return callback(null, wanted);
      return callback(null, wanted[0].address, wanted[0].family);
    });
  };
}
