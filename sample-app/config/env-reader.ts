/** The process environment, or a fake one in tests: names to raw string values. */
export type SampleEnv = Readonly<Record<string, string | undefined>>;

/** Where a Redis node is, as REDIS_SENTINELS and REDIS_CLUSTER_NODES list them. */
export interface HostPort {
  host: string;
  port: number;
}

/**
 * Reads environment variables strictly, one value at a time. An unset or empty variable gets its default; a bad
 * value is recorded as a problem naming the variable (instead of throwing at the first), so that a misconfigured
 * start reports every mistake at once, as nestjs/config does.
 */
export class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: SampleEnv) {}

  /** The raw value, or undefined when unset or empty (empty counts as unset, as `VAR= npm run sample` means). */
  raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value === '' ? undefined : value;
  }

  text(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  /** A whole number in [min, max]; `meaning` says what 0 (or the unit) stands for in the message. */
  wholeNumber(name: string, fallback: number, min: number, max = 999_999_999, meaning = ''): number {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const value = /^\d{1,9}$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
    if (Number.isNaN(value) || value < min || value > max) {
      this.problems.push(`${name} must be a whole number from ${min} to ${max}${meaning ? ` (${meaning})` : ''}, got ${JSON.stringify(raw)}`);
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw.trim())) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`);
      return fallback;
    }
    return raw.trim() as T;
  }

  boolean(name: string, fallback: boolean): boolean {
    return this.oneOf(name, ['true', 'false'], fallback ? 'true' : 'false') === 'true';
  }

  /** A comma-separated list of allowed words (blank entries ignored); unset means none. */
  list<T extends string>(name: string, allowed: readonly T[]): T[] {
    const entries = (this.raw(name) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = entries.filter((e) => !(allowed as readonly string[]).includes(e));
    if (unknown.length > 0) {
      this.problems.push(
        `${name} must be a comma-separated list of ${allowed.join(', ')}, got ${unknown.map((u) => JSON.stringify(u)).join(', ')}`,
      );
      return [];
    }
    return entries as T[];
  }

  /** `host:port,host:port` (IPv6 as `[::1]:6379`); undefined when unset. */
  hostPorts(name: string): HostPort[] | undefined {
    const raw = this.raw(name);
    if (raw === undefined) return undefined;
    const nodes: HostPort[] = [];
    for (const entry of raw.split(',')) {
      const m = /^\s*(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})\s*$/.exec(entry);
      const port = m ? Number(m[3]) : 0;
      if (!m || port < 1 || port > 65535) {
        this.problems.push(`${name} must be a comma-separated list of host:port, got ${JSON.stringify(entry)}`);
        return undefined;
      }
      nodes.push({ host: m[1] ?? m[2], port });
    }
    return nodes;
  }
}
