import type { SessionRequest } from './session.request';
import { clientIp } from './client.binding';

const request = (xff: string | undefined, peer = '10.0.0.9'): SessionRequest => ({
  headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
  socket: { remoteAddress: peer },
});

describe('clientIp with a hop count', () => {
  it('ignores X-Forwarded-For with 0 hops: the socket peer is the client', () => {
    expect(clientIp(request('1.1.1.1'), 0)).toBe('10.0.0.9');
  });

  it('takes the Nth entry from the right: what the proxies we run wrote, never what the client wrote', () => {
    // The client forged "victim" leftmost; our one proxy appended the address it saw.
    expect(clientIp(request('6.6.6.6, 203.0.113.7'), 1)).toBe('203.0.113.7');
    expect(clientIp(request('victim, 203.0.113.7, 10.1.1.1'), 2)).toBe('203.0.113.7');
  });

  it('takes the furthest entry there is when there are fewer entries than hops, and the peer without the header', () => {
    expect(clientIp(request('203.0.113.7'), 3)).toBe('203.0.113.7');
    expect(clientIp(request(undefined), 1)).toBe('10.0.0.9');
    expect(clientIp(request(' , '), 1)).toBe('10.0.0.9');
  });
});
