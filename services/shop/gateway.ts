import type { Response } from 'express';
import type { CatalogItemAnswer, CatalogListAnswer } from './answers.js';
import { expectAnswer } from './answers.js';
import type { DemoServiceDefinition } from './app.js';
import { identityOf, outgoingHeaders, requestContext } from './app.js';

/**
 * gateway: the shop's front door behind the mesh ingress. Answers with the products and the
 * instance of every service that served the request, so a developer watching `curl` sees the
 * balancing, the canary and the failover happen.
 *   GET /                  what this is
 *   GET /products?category=coffee
 *   GET /products/:id
 */
export const gatewayService: DemoServiceDefinition = {
  name: 'gateway',
  upstreams: ['catalog'],
  mount(router, ctx) {
    const identity = identityOf(ctx.config);
    const catalog = ctx.upstream('catalog');
    const trail = (res: Response) => {
      const { requestId, trace } = requestContext(res);
      return { requestId, traceId: trace.traceId };
    };

    router.get('/', (_req, res) => {
      res.json({
        ...identity,
        mesh: ctx.config.identity.mesh,
        shop: 'meshdev demo coffee shop',
        endpoints: [
          'GET /products',
          'GET /products?category=coffee|brewing|grinders|accessories',
          'GET /products/:id',
          'GET /healthz',
        ],
      });
    });

    router.get('/products', async (req, res) => {
      const query = typeof req.query.category === 'string' ? `?category=${encodeURIComponent(req.query.category)}` : '';
      const reply = await catalog.getJson<unknown>(`/products${query}`, outgoingHeaders(req, res));
      const answer = expectAnswer<CatalogListAnswer>('catalog', reply.body, ['products', 'servedBy', 'versions']);
      res.json({
        products: answer.products,
        count: answer.products.length,
        servedBy: { gateway: identity.instance, ...answer.servedBy },
        versions: { gateway: identity.version, ...answer.versions },
        mesh: ctx.config.identity.mesh,
        ...trail(res),
        ...identity,
      });
    });

    router.get('/products/:id', async (req, res) => {
      const reply = await catalog.getJson<unknown>(
        `/products/${encodeURIComponent(req.params.id)}`,
        outgoingHeaders(req, res),
      );
      if (reply.status === 404) {
        res.status(404).json({
          error: { code: 'UNKNOWN_PRODUCT', message: `no product ${req.params.id}` },
          servedBy: {
            gateway: identity.instance,
            catalog: (reply.body as { instance?: string }).instance ?? 'unknown',
          },
          ...trail(res),
          ...identity,
        });
        return;
      }
      const answer = expectAnswer<CatalogItemAnswer>('catalog', reply.body, ['product', 'servedBy', 'versions']);
      res.json({
        product: answer.product,
        servedBy: { gateway: identity.instance, ...answer.servedBy },
        versions: { gateway: identity.version, ...answer.versions },
        mesh: ctx.config.identity.mesh,
        ...trail(res),
        ...identity,
      });
    });
  },
};
