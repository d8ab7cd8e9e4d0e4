/** IPv4 subnets for user-defined networks (CIDR notation). */
import { InvalidArgumentError } from '../../util/errors.js';

export interface Subnet {
  /** The network address as a 32-bit number. */
  readonly base: number;
  readonly prefix: number;
  /** Addresses in the subnet. */
  readonly size: number;
}

/** `10.89.0.0/24`; host bits must be zero (a /32 is an address). */
export function parseCidr(text: string, what: string): Subnet {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  const octets = m === null ? [] : m.slice(1, 5).map(Number);
  const prefix = m === null ? NaN : Number(m[5]);
  if (m === null || octets.some((o) => o > 255) || prefix > 32) throw new InvalidArgumentError(`${what} ${JSON.stringify(text)}: expected an IPv4 subnet such as 10.89.0.0/24`);
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  if (base % size !== 0) throw new InvalidArgumentError(`${what} ${text}: the address has host bits set (expected ${formatCidr({ base: base - (base % size), prefix, size })})`);
  if (prefix !== 32 && prefix > 30) throw new InvalidArgumentError(`${what} ${text}: too small for a network (at most /30)`);
  return { base, prefix, size };
}

export function formatCidr(s: Subnet): string {
  return `${ipOf(s.base)}/${s.prefix}`;
}

/** The address `i` places into the subnet. */
export function addressAt(s: Subnet, i: number): string {
  return ipOf(s.base + i);
}

function ipOf(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}
