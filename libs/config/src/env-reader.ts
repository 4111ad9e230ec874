/** `scheme://anything@` before the host: userinfo, parsed or not (a malformed URL must not be echoed either). */
const URL_USERINFO = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i;

export type Env = Readonly<Record<string, string | undefined>>;

export interface IntOptions {
  min?: number;
  max?: number;
}

/**
 * Reads typed values from an environment map and collects every problem instead of stopping
 * at the first, so a misconfigured deployment learns about all bad variables in one start.
 * Values read with `secret()` are remembered so the redaction layer can scrub them anywhere.
 */
export class EnvReader {
  readonly problems: string[] = [];
  readonly secrets: string[] = [];

  constructor(private readonly env: Env) {}

  /** Raw value with surrounding whitespace removed; empty strings count as unset. */
  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  isSet(name: string): boolean {
    return this.raw(name) !== undefined;
  }

  string(name: string): string | undefined;
  string(name: string, fallback: string): string;
  string(name: string, fallback?: string): string | undefined {
    return this.raw(name) ?? fallback;
  }

  secret(name: string): string | undefined {
    const value = this.raw(name);
    if (value !== undefined) this.secrets.push(value);
    return value;
  }

  /** A secret derived from a variable (e.g. one header of a list), remembered for the scrubber too. */
  remember(value: string): void {
    this.secrets.push(value);
  }

  int(name: string, fallback: number, { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER }: IntOptions = {}): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      this.problems.push(`${name} must be an integer between ${min} and ${max} (got "${value}")`);
      return fallback;
    }
    return parsed;
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['true', '1', 'yes', 'on'].includes(value)) return true;
    if (['false', '0', 'no', 'off'].includes(value)) return false;
    this.problems.push(`${name} must be true or false (got "${value}")`);
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const match = allowed.find((candidate) => candidate === value.toLowerCase());
    if (match === undefined) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')} (got "${value}")`);
      return fallback;
    }
    return match;
  }

  /**
   * An absolute http(s) URL without a trailing slash, or undefined when unset. A URL carrying
   * `user:password@` is refused: it would be shown wherever the URL is, and the credential has
   * its own secret variable. The problem names the variable and never echoes the value.
   */
  httpUrl(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (!this.urlWithoutCredentials(name, value)) return undefined;
    try {
      const url = new URL(value);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
      return value.replace(/\/+$/, '');
    } catch {
      this.problems.push(`${name} must be an absolute http(s) URL (got "${value}")`);
      return undefined;
    }
  }

  /** False (and a problem recorded) when a URL setting embeds a credential; shared by every URL setting. */
  urlWithoutCredentials(name: string, value: string): boolean {
    if (!URL_USERINFO.test(value)) return true;
    this.problems.push(`${name} must not contain credentials (user:password@): set them in their own secret variables instead`);
    return false;
  }

  /** Comma-separated list; blanks dropped. */
  list(name: string): string[] {
    const value = this.raw(name);
    if (value === undefined) return [];
    return value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }

  problem(message: string): void {
    this.problems.push(message);
  }
}
