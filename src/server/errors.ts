/** HTTP errors of the API: a status, a stable code and a message for people, never a stack. */
export class HttpError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 413 | 415 | 500 | 503,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (m: string) => new HttpError(400, 'bad_request', m);
export const notFound = (m: string) => new HttpError(404, 'not_found', m);

/** Query-string readers that reject what they cannot use, naming the parameter. */
export class Params {
  constructor(private readonly q: Record<string, string | undefined>) {}

  str(name: string, o: { max?: number; required?: boolean } = {}): string | undefined {
    const v = this.q[name];
    if (v === undefined || v === '') {
      if (o.required) throw badRequest(`query parameter "${name}" is required`);
      return undefined;
    }
    if (v.length > (o.max ?? 200))
      throw badRequest(`query parameter "${name}" is longer than ${o.max ?? 200} characters`);
    return v;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback?: T): T | undefined {
    const v = this.str(name);
    if (v === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(v))
      throw badRequest(
        `query parameter "${name}" must be one of ${allowed.join(', ')}; got "${v.slice(0, 40)}"`,
      );
    return v as T;
  }

  int(name: string, o: { min: number; max: number; fallback: number }): number {
    const v = this.str(name, { max: 20 });
    if (v === undefined) return o.fallback;
    if (!/^-?\d+$/.test(v)) throw badRequest(`query parameter "${name}" must be an integer; got "${v}"`);
    const n = Number(v);
    if (n < o.min || n > o.max)
      throw badRequest(`query parameter "${name}" must be between ${o.min} and ${o.max}; got ${n}`);
    return n;
  }

  /** `limit` (default 50, 1..500) and `offset` (default 0). */
  page(): { limit: number; offset: number } {
    return {
      limit: this.int('limit', { min: 1, max: 500, fallback: 50 }),
      offset: this.int('offset', { min: 0, max: 1e9, fallback: 0 }),
    };
  }

  /** An ISO-8601 date or date-time; epoch ms. */
  time(name: string): number | undefined {
    const v = this.str(name, { max: 40 });
    if (v === undefined) return undefined;
    const t = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v) ? Date.parse(v) : NaN;
    if (!Number.isFinite(t))
      throw badRequest(`query parameter "${name}" must be an ISO-8601 date or time; got "${v}"`);
    return t;
  }
}
