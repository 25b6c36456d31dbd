// What one property access costs on the request and response objects Express hands a guard, against the same Node
// objects without Express: Express gives each request and response its own prototype (Object.setPrototypeOf), so
// V8's inline caches miss on them. Run: node bench/express-objects.mjs (from the repo root, after npm ci).
import { createRequire } from 'node:module';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';

const express = createRequire(import.meta.url)('express');
const app = express();
const socket = new Socket();
const N = 100_000;
const session = Symbol('session');

function pair(withExpress) {
  const req = new IncomingMessage(socket);
  const res = new ServerResponse(req);
  if (withExpress) {
    Object.setPrototypeOf(req, app.request);
    Object.setPrototypeOf(res, app.response);
  }
  req.headers = { cookie: 'sid=x' };
  res.locals = Object.create(null);
  return { req, res };
}

const cases = {
  'read req.headers': ({ req }) => req.headers.cookie,
  'read res.headersSent': ({ res }) => res.headersSent,
  'res.getHeader(vary)': ({ res }) => res.getHeader('vary'),
  'res.setHeader(Vary)': ({ res }) => res.setHeader('Vary', 'Cookie'),
  'add a property to req': ({ req }) => { req[session] = 1; },
  'add a property to res.locals': ({ res }) => { res.locals.session = 1; },
};

console.log('ns per operation, each on a fresh request (median of 5 runs of 100k)');
console.log('operation'.padEnd(32), 'Node objects'.padStart(14), 'Express objects'.padStart(16));
for (const [name, op] of Object.entries(cases)) {
  const cost = (withExpress) => {
    const runs = [];
    for (let r = 0; r < 5; r++) {
      const pairs = Array.from({ length: N }, () => pair(withExpress));
      const t0 = process.hrtime.bigint();
      for (const p of pairs) op(p);
      runs.push(Number(process.hrtime.bigint() - t0) / N);
    }
    return runs.sort((a, b) => a - b)[2].toFixed(0);
  };
  console.log(name.padEnd(32), cost(false).padStart(14), cost(true).padStart(16));
}
