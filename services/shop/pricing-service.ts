import type { DemoServiceDefinition } from './app.js';
import { identityOf } from './app.js';
import { listPricesCents } from './catalog-data.js';
import { envNumber } from './env.js';
import { quotePrice, type PriceQuote } from './pricing.js';

/**
 * pricing: the price of each product. A version running with DISCOUNT_PERCENT (v2 in the demo)
 * takes that much off, so a canary shows up as cheaper prices and `"version": "v2"` in the JSON.
 *   GET /prices?ids=p-1001,p-1002   (all products without ids)
 *   GET /prices/:id
 */
export const pricingService: DemoServiceDefinition = {
  name: 'pricing',
  upstreams: [],
  mount(router, { config, env }) {
    const discountPercent = envNumber(env, 'DISCOUNT_PERCENT', 0, { min: 0, max: 100 });
    const identity = identityOf(config);
    const quote = (id: string): PriceQuote | undefined => {
      const list = listPricesCents[id];
      return list === undefined ? undefined : quotePrice(id, list, discountPercent);
    };

    router.get('/prices', (req, res) => {
      const ids = parseIds(req.query.ids) ?? Object.keys(listPricesCents);
      const prices = ids.map(quote).filter((q): q is PriceQuote => q !== undefined);
      const unknown = ids.filter((id) => listPricesCents[id] === undefined);
      res.json({ ...identity, currency: 'EUR', discountPercent, prices, unknown });
    });

    router.get('/prices/:id', (req, res) => {
      const price = quote(req.params.id);
      if (!price) {
        res
          .status(404)
          .json({ error: { code: 'UNKNOWN_PRODUCT', message: `no price for ${req.params.id}` }, ...identity });
        return;
      }
      res.json({ ...identity, price });
    });
  },
};

/** `?ids=a,b` -> ['a', 'b']; undefined when absent. */
export function parseIds(value: unknown): string[] | undefined {
  if (typeof value !== 'string') return undefined;
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
