/**
 * GET /api/v1/appliance/support-bundle.tar.gz: the support bundle as a file download. The same
 * operation as POST /api/v1/appliance/support-bundle (Admin only, audited), answered as the
 * archive itself with a file name, so `curl -OJ` saves it.
 */
import type { Calypso } from '../services/index.js';
import { API_PREFIX, type RouteMount } from './server.js';

export function supportMount(app: Calypso): RouteMount {
  return (router, { actorFor }) => {
    router.get(`${API_PREFIX}/appliance/support-bundle.tar.gz`, async (ctx) => {
      const actor = await actorFor(ctx);
      const out = await app.call<{ fileName: string; sha256: string; contentBase64: string }>(
        'appliance.support.bundle',
        {},
        { actor, face: 'api', address: ctx.ip || undefined, requestId: ctx.state.requestId },
      );
      ctx.set('Content-Disposition', `attachment; filename="${out.fileName}"`);
      ctx.set('X-Content-SHA256', out.sha256);
      ctx.set('Cache-Control', 'no-store');
      ctx.type = 'application/gzip';
      ctx.body = Buffer.from(out.contentBase64, 'base64');
    });
  };
}
