/**
 * The bare baseline the benchmark compares Calypso to: Koa and @koa/router answering a small
 * JSON body, no middleware. Run as its own process: `node --import tsx bench/baseline.ts PORT`.
 */
import Koa from 'koa';
import { Router } from '@koa/router';

const port = Number(process.argv[2] ?? 0);
const koa = new Koa();
const router = new Router();
router.get('/hello', (ctx) => {
  ctx.body = { hello: 'world' };
});
koa.use(router.routes());
const server = koa.listen(port, '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`listening ${typeof addr === 'object' && addr ? addr.port : port}\n`);
});
server.keepAliveTimeout = 5_000;
process.on('SIGTERM', () => server.close(() => process.exit(0)));
