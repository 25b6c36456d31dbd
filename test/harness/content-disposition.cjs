// For Jest only (jest.config.js moduleNameMapper): content-disposition 1 (CommonJS, Express's) with the `create`
// and `parse` names of the ESM-only 3 that @fastify/static imports. Same function, same options.
const contentDisposition = require('../../node_modules/content-disposition/index.js');

module.exports = contentDisposition;
module.exports.create = contentDisposition;
