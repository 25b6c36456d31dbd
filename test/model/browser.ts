/**
 * One simulated browser: a cookie jar holding the `sid` cookie, a fixed User-Agent, and the history of every token
 * it ever held (a stale tab or a thief can replay those). Requests go to whichever app instance the step names.
 */
export interface HttpObservation {
  status: number;
  body: any;
  /** The token the request carried, if any. */
  sentToken?: string;
  /** Every `sid` value a Set-Cookie of the response set, in order (cleared cookies excluded). */
  setTokens: string[];
  /** A Set-Cookie cleared the cookie (Max-Age=0 or empty value). */
  cleared: boolean;
  /** Local time just before sending and just after the whole response was read: the server acted in between. */
  t0: number;
  t1: number;
}

export interface RequestOptions {
  body?: unknown;
  /** Send this token instead of the jar's. */
  token?: string | null;
  /** Send the token as `Authorization: Bearer` instead of the cookie (an API client). */
  bearer?: boolean;
  userAgent?: string;
  /** Whether the response's Set-Cookie updates this browser's jar (false for replays by someone else). */
  updateJar?: boolean;
}

const COOKIE = 'sid';

export class Browser {
  cookie?: string;
  readonly history: string[] = [];

  constructor(readonly index: number, readonly userAgent = `model-browser/${index}`) {}

  get name(): string {
    return `b${this.index}`;
  }

  async request(baseUrl: string, method: string, path: string, opts: RequestOptions = {}): Promise<HttpObservation> {
    const token = opts.token === undefined ? this.cookie : opts.token ?? undefined;
    const headers: Record<string, string> = { 'user-agent': opts.userAgent ?? this.userAgent };
    if (token !== undefined && opts.bearer) headers.authorization = `Bearer ${token}`;
    else if (token !== undefined) headers.cookie = `${COOKIE}=${token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const t0 = Date.now();
    const res = await fetch(baseUrl + path, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    const t1 = Date.now();
    const setTokens: string[] = [];
    let cleared = false;
    for (const line of res.headers.getSetCookie()) {
      const m = new RegExp(`^${COOKIE}=([^;]*)`).exec(line);
      if (!m) continue;
      if (m[1] === '' || /max-age=0(?:;|$)/i.test(line)) cleared = true;
      else setTokens.push(m[1]);
      // A browser applies Set-Cookie headers in order: the last one wins.
      if (opts.updateJar !== false) this.remember(m[1] === '' || /max-age=0(?:;|$)/i.test(line) ? undefined : m[1]);
    }
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body, sentToken: token, setTokens, cleared, t0, t1 };
  }

  private remember(token: string | undefined): void {
    this.cookie = token;
    if (token !== undefined && !this.history.includes(token)) this.history.push(token);
  }
}
