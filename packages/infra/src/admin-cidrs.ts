/**
 * Who may reach the cluster's service ports from outside the VPC. ZooKeeper (2181) and the
 * broker's admin API (8080) have no authentication, so every entry must be a narrow IPv4 range.
 * terraform/variables.tf applies the same rules to `admin_cidrs`.
 */

/** The widest range one entry may name: /16, 65,536 addresses (a site, not a provider). */
export const ADMIN_CIDR_MIN_PREFIX = 16;

export interface AdminCidrProblem {
  message: string;
  expected: string;
}

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/**
 * Why `text` may not be an admin CIDR, or undefined when it may: IPv6 (the VPC is IPv4-only, so
 * such a rule could never match), not an IPv4 CIDR, host bits set, or wider than /16 — checked
 * per entry, so a split such as 0.0.0.0/1 + 128.0.0.0/1 is refused as well as 0.0.0.0/0.
 */
export function adminCidrProblem(text: string): AdminCidrProblem | undefined {
  if (text.includes(':')) {
    return {
      message:
        "IPv6 is not supported: the experiment's VPC and instances are IPv4-only, so this rule could never match",
      expected: 'an IPv4 CIDR such as 203.0.113.7/32',
    };
  }
  const match = IPV4_CIDR.exec(text);
  const octets = match?.slice(1, 5).map(Number) ?? [];
  const prefix = Number(match?.[5]);
  if (match === null || octets.some((octet) => octet > 255) || prefix > 32) {
    return { message: 'is not an IPv4 CIDR', expected: 'an IPv4 CIDR such as 203.0.113.7/32' };
  }
  const address = octets.reduce((value, octet) => value * 256 + octet, 0);
  const size = 2 ** (32 - prefix);
  const network = address - (address % size);
  if (network !== address) {
    const canonical = [24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join('.');
    return { message: 'has host bits set', expected: `${canonical}/${prefix}` };
  }
  if (prefix < ADMIN_CIDR_MIN_PREFIX) {
    return {
      message: `is wider than /${ADMIN_CIDR_MIN_PREFIX} (${size.toLocaleString('en-US')} addresses): it would open ZooKeeper and the unauthenticated broker admin port to far more than your own network`,
      expected: `/${ADMIN_CIDR_MIN_PREFIX} or narrower, e.g. your own address as 203.0.113.7/32`,
    };
  }
  return undefined;
}
