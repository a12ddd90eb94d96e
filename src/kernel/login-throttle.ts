/**
 * Failed sign-ins counted per account and per client address over a sliding window. Past the
 * limit a sign-in is refused before its password is checked, for as long as the window still
 * holds that many failures, so guessing passwords costs an attacker time they cannot buy with
 * more requests (Salesforce's LOGIN_RATE_EXCEEDED, answered as 429 with Retry-After).
 */

/** A password key-derivation function (scrypt in production; tests wrap it to count calls). */
export type Kdf = (password: string, salt: Buffer, length: number) => Promise<Buffer>;

export type LoginThrottleLimits = {
  /** Failed sign-ins for one account (email or CRM username) within the window. */
  perAccount: number;
  /** Failed sign-ins from one address, over all accounts, within the window. */
  perAddress: number;
  windowMs: number;
};

/** Salesforce locks a user out after 10 failed attempts; the window is its default lockout, 15 minutes. */
export const DEFAULT_LOGIN_LIMITS: LoginThrottleLimits = { perAccount: 10, perAddress: 50, windowMs: 15 * 60_000 };

/** Keys remembered at most; the least recently failed are forgotten first. */
const MAX_KEYS = 100_000;

export type LoginThrottle = {
  /** Seconds to wait when a sign-in for this account from this address is refused now, else undefined. */
  refusal(account: string, address: string): number | undefined;
  /** Records a failed sign-in. */
  failed(account: string, address: string): void;
  /** Forgets an account's failures after it signed in. */
  succeeded(account: string): void;
};

/** Builds a throttle over a clock. */
export function createLoginThrottle(now: () => number, limits: LoginThrottleLimits = DEFAULT_LOGIN_LIMITS): LoginThrottle {
  const failures = new Map<string, number[]>();
  const recent = (key: string, at: number): number[] => {
    const list = (failures.get(key) ?? []).filter((t) => at - t < limits.windowMs);
    if (list.length === 0) failures.delete(key);
    else failures.set(key, list);
    return list;
  };
  const wait = (list: number[], limit: number, at: number): number | undefined => {
    if (list.length < limit) return undefined;
    // Refused until enough failures have left the window to bring the count under the limit.
    const freeAt = (list[list.length - limit] as number) + limits.windowMs;
    return Math.max(1, Math.ceil((freeAt - at) / 1000));
  };
  const accountKey = (account: string): string => `a\u0000${account.toLowerCase()}`;
  const addressKey = (address: string): string => `i\u0000${address}`;
  const note = (key: string, at: number, cap: number): void => {
    const list = recent(key, at);
    list.push(at);
    if (list.length > cap) list.splice(0, list.length - cap);
    failures.delete(key); // re-inserted last: the map stays least-recently-failed first
    failures.set(key, list);
    if (failures.size > MAX_KEYS) failures.delete(failures.keys().next().value as string);
  };
  return {
    refusal(account, address) {
      const at = now();
      const a = wait(recent(accountKey(account), at), limits.perAccount, at);
      const b = wait(recent(addressKey(address), at), limits.perAddress, at);
      return a === undefined ? b : b === undefined ? a : Math.max(a, b);
    },
    failed(account, address) {
      const at = now();
      note(accountKey(account), at, limits.perAccount);
      note(addressKey(address), at, limits.perAddress);
    },
    succeeded(account) {
      failures.delete(accountKey(account));
    },
  };
}
