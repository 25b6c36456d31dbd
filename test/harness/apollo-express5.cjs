// For Jest only (jest.config.js moduleNameMapper), until `@as-integrations/express5` is a dev dependency of this
// repo: @nestjs/apollo 13 serves Apollo Server 5 on Express through that package. This is its expressMiddleware,
// line for line in behaviour (request → HTTPGraphQLRequest, response headers, status and body back). The consumer
// test (test/consumers/nest12-express) installs and runs the real package.
const { HeaderMap } = require('@apollo/server');

function expressMiddleware(server, options) {
  server.assertStarted('expressMiddleware()');
  const context = options?.context ?? (async () => ({}));
  return (req, res, next) => {
    if (!req.body) {
      res.status(500);
      res.send('`req.body` is not set; this probably means you forgot to set up the `json` middleware');
      return;
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const url = new URL(req.url, 'http://localhost');
    const httpGraphQLRequest = { method: req.method.toUpperCase(), headers, search: url.search, body: req.body };
    server
      .executeHTTPGraphQLRequest({ httpGraphQLRequest, context: () => context({ req, res }) })
      .then(async (httpGraphQLResponse) => {
        for (const [key, value] of httpGraphQLResponse.headers) res.setHeader(key, value);
        res.statusCode = httpGraphQLResponse.status || 200;
        if (httpGraphQLResponse.body.kind === 'complete') {
          res.send(httpGraphQLResponse.body.string);
          return;
        }
        for await (const chunk of httpGraphQLResponse.body.asyncIterator) res.write(chunk);
        res.end();
      })
      .catch(next);
  };
}

module.exports = { expressMiddleware };
