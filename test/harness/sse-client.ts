import { ClientRequest, IncomingHttpHeaders, IncomingMessage, request } from 'node:http';
import { waitFor } from './wait';

/** One Server-Sent Event as the stream delivered it: `event:` and `data:` (parsed as JSON when it is JSON). */
export interface SseMessage {
  type: string;
  data: any;
}

/**
 * A Server-Sent Events client for asserting when a stream ends: it records every event and the moment the server
 * ended the response (`endedAt`, on the performance.now() clock). `close()` is the client leaving (like closing
 * the tab), which is not counted as the server ending the stream.
 * Each stream gets a connection of its own (node:http, no agent), closed with it: fetch's pool opens a spare
 * connection when one is torn down, and that idle socket would hold the app's server open at close for seconds.
 */
export class SseClient {
  readonly messages: SseMessage[] = [];
  /** When the server ended the response; undefined while it is open (or when the client left first). */
  endedAt?: number;
  private closedByClient = false;
  private readonly done: Promise<void>;

  private constructor(private readonly req: ClientRequest, private readonly res: IncomingMessage) {
    this.done = this.read();
  }

  get status(): number {
    return this.res.statusCode ?? 0;
  }

  get headers(): IncomingHttpHeaders {
    return this.res.headers;
  }

  /** Opens `path` and resolves once the response headers arrived (the server is then subscribed). */
  static open(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, baseUrl), { agent: false, headers: { accept: 'text/event-stream', ...headers } });
      req.once('response', (res) => resolve(new SseClient(req, res)));
      req.once('error', reject);
      req.end();
    });
  }

  /** Whether the server has ended the response. */
  get ended(): boolean {
    return this.endedAt !== undefined;
  }

  /** Resolves with `endedAt` once the server ends the response; fails after `timeoutMs`. */
  async waitForEnd(timeoutMs: number): Promise<number> {
    await waitFor(async () => this.ended, (ended) => ended, { timeoutMs, intervalMs: 10, what: 'the event stream to end' });
    return this.endedAt!;
  }

  /** The first event (already received or still to come) that matches. */
  async next(match: (m: SseMessage) => boolean, timeoutMs = 3000): Promise<SseMessage> {
    const found = await waitFor(async () => this.messages.find(match), (m) => m !== undefined, {
      timeoutMs, intervalMs: 10, what: 'a matching event',
    });
    return found!;
  }

  /** The client leaves: its connection is destroyed. */
  async close(): Promise<void> {
    this.closedByClient = true;
    this.req.destroy();
    await this.done;
  }

  private read(): Promise<void> {
    let buffer = '';
    this.res.setEncoding('utf8');
    this.res.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        this.parse(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    });
    return new Promise((resolve) => {
      // 'close' comes after 'end' (the server ended it) or after an error or destroy (the client left).
      this.res.once('close', () => {
        if (!this.closedByClient) this.endedAt = performance.now();
        this.req.destroy();
        resolve();
      });
    });
  }

  private parse(block: string): void {
    let type = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue; // blank, or a comment (":...")
      const field = line.slice(0, colon);
      const value = line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') type = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length === 0) return;
    const text = data.join('\n');
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON: keep the text */
    }
    this.messages.push({ type, data: parsed });
  }
}
