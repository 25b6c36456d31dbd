/**
 * A tiny HTTP client with a one-cookie jar, on Node's fetch: enough to act as one browser against the sample app.
 */
export interface HttpResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
  ms: number;
}

export class HttpClient {
  cookie?: string;

  constructor(readonly baseUrl: string, private readonly cookieName = 'sid') {}

  async request<T = any>(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<HttpResult<T>> {
    const headers: Record<string, string> = { ...extraHeaders };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.cookie !== undefined && !('cookie' in headers)) headers.cookie = `${this.cookieName}=${this.cookie}`;
    const started = performance.now();
    const res = await fetch(this.baseUrl + path, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    const ms = performance.now() - started;
    for (const line of res.headers.getSetCookie()) {
      const m = new RegExp(`^${this.cookieName}=([^;]*)`).exec(line);
      if (m) this.cookie = /max-age=0/i.test(line) ? undefined : m[1];
    }
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body: parsed as T, headers: res.headers, ms };
  }

  get<T = any>(path: string, headers?: Record<string, string>) {
    return this.request<T>('GET', path, undefined, headers);
  }
  post<T = any>(path: string, body?: unknown) {
    return this.request<T>('POST', path, body);
  }
  put<T = any>(path: string, body?: unknown) {
    return this.request<T>('PUT', path, body);
  }
  delete<T = any>(path: string) {
    return this.request<T>('DELETE', path);
  }

  /** Logs in as a demo user; throws unless the app answers 200. */
  async login(username = 'alice', device = 'test-device'): Promise<HttpResult> {
    const res = await this.post('/auth/login', { username, password: `${username}-pass`, device });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res;
  }
}
