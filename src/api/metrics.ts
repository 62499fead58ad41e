/**
 * GET /metrics: the Prometheus exposition. Never open: a Bearer token is required, either
 * the scrape token (POST /api/v1/metrics/scrape-token) or a user's access token whose roles
 * grant metrics.read.
 */
import { Forbidden, Unauthenticated, type Calypso } from '../services/index.js';
import { bearerToken, type RouteMount } from './server.js';

export function metricsMount(app: Calypso): RouteMount {
  return (router) => {
    router.get('/metrics', async (ctx) => {
      const token = bearerToken(ctx);
      if (!token) {
        ctx.set('WWW-Authenticate', 'Bearer realm="calypso-metrics"');
        throw new Unauthenticated('scraping /metrics needs a Bearer token: the scrape token, or an access token with metrics.read');
      }
      if (!(await app.monitoring.verifyScrapeToken(token))) {
        const actor = await app.auth.authenticate(token);
        if (!actor.permissions.has('metrics.read')) throw new Forbidden('scraping /metrics needs the metrics.read permission');
      }
      const { contentType, body } = await app.monitoring.prometheusText();
      ctx.type = contentType;
      ctx.body = body;
    });
  };
}
