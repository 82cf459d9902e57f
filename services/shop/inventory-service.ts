import type { DemoServiceDefinition } from './app.js';
import { identityOf } from './app.js';
import { stockLevels } from './catalog-data.js';
import { stockLevel, type StockLevel } from './inventory.js';
import { parseIds } from './pricing-service.js';

/**
 * inventory: units available per product.
 *   GET /stock?ids=p-1001,p-1002   (all products without ids)
 *   GET /stock/:id
 */
export const inventoryService: DemoServiceDefinition = {
  name: 'inventory',
  upstreams: [],
  mount(router, { config }) {
    const identity = identityOf(config);
    const level = (id: string): StockLevel | undefined => {
      const entry = stockLevels[id];
      return entry === undefined ? undefined : stockLevel(id, entry.onHand, entry.reserved);
    };

    router.get('/stock', (req, res) => {
      const ids = parseIds(req.query.ids) ?? Object.keys(stockLevels);
      const stock = ids.map(level).filter((s): s is StockLevel => s !== undefined);
      const unknown = ids.filter((id) => stockLevels[id] === undefined);
      res.json({ ...identity, stock, unknown });
    });

    router.get('/stock/:id', (req, res) => {
      const stock = level(req.params.id);
      if (!stock) {
        res
          .status(404)
          .json({ error: { code: 'UNKNOWN_PRODUCT', message: `no stock record for ${req.params.id}` }, ...identity });
        return;
      }
      res.json({ ...identity, stock });
    });
  },
};
