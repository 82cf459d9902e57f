import type {
  CatalogItemAnswer,
  CatalogListAnswer,
  CatalogProduct,
  PriceAnswer,
  PriceListAnswer,
  StockAnswer,
  StockListAnswer,
} from './answers.js';
import { expectAnswer } from './answers.js';
import type { DemoServiceDefinition } from './app.js';
import { identityOf, outgoingHeaders } from './app.js';
import { findProduct, products, type Product } from './catalog-data.js';
import type { StockLevel } from './inventory.js';
import type { PriceQuote } from './pricing.js';

/**
 * catalog: the product list, enriched with prices (pricing) and stock (inventory), both asked in
 * parallel. Any upstream failure answers 502 naming it; there is deliberately no fallback, so a
 * bad pricing instance is visible end to end until the mesh routes around it.
 *   GET /products?category=coffee
 *   GET /products/:id
 */
export const catalogService: DemoServiceDefinition = {
  name: 'catalog',
  upstreams: ['pricing', 'inventory'],
  mount(router, ctx) {
    const identity = identityOf(ctx.config);
    const pricing = ctx.upstream('pricing');
    const inventory = ctx.upstream('inventory');

    router.get('/products', async (req, res) => {
      const category = typeof req.query.category === 'string' ? req.query.category : undefined;
      const selected = category === undefined ? products : products.filter((p) => p.category === category);
      const ids = encodeURIComponent(selected.map((p) => p.id).join(','));
      const headers = outgoingHeaders(req, res);
      const [priceReply, stockReply] = await Promise.all([
        pricing.getJson<unknown>(`/prices?ids=${ids}`, headers),
        inventory.getJson<unknown>(`/stock?ids=${ids}`, headers),
      ]);
      const prices = expectAnswer<PriceListAnswer>('pricing', priceReply.body, ['prices']);
      const stock = expectAnswer<StockListAnswer>('inventory', stockReply.body, ['stock']);
      const priceById = new Map(prices.prices.map((p) => [p.productId, p]));
      const stockById = new Map(stock.stock.map((s) => [s.productId, s]));
      const answer: CatalogListAnswer = {
        ...identity,
        products: selected.map((p) => enrich(p, priceById.get(p.id), stockById.get(p.id))),
        servedBy: { catalog: identity.instance, pricing: prices.instance, inventory: stock.instance },
        versions: { catalog: identity.version, pricing: prices.version, inventory: stock.version },
      };
      res.json(answer);
    });

    router.get('/products/:id', async (req, res) => {
      const product = findProduct(req.params.id);
      if (!product) {
        res
          .status(404)
          .json({ error: { code: 'UNKNOWN_PRODUCT', message: `no product ${req.params.id}` }, ...identity });
        return;
      }
      const id = encodeURIComponent(product.id);
      const headers = outgoingHeaders(req, res);
      const [priceReply, stockReply] = await Promise.all([
        pricing.getJson<unknown>(`/prices/${id}`, headers),
        inventory.getJson<unknown>(`/stock/${id}`, headers),
      ]);
      // A 404 from pricing/inventory for a product the catalog knows means the data disagree:
      // show it as a product without price/stock rather than failing the page.
      const price =
        priceReply.status === 200 ? expectAnswer<PriceAnswer>('pricing', priceReply.body, ['price']) : undefined;
      const stock =
        stockReply.status === 200 ? expectAnswer<StockAnswer>('inventory', stockReply.body, ['stock']) : undefined;
      const answer: CatalogItemAnswer = {
        ...identity,
        product: enrich(product, price?.price, stock?.stock),
        servedBy: {
          catalog: identity.instance,
          pricing: instanceOf(priceReply.body),
          inventory: instanceOf(stockReply.body),
        },
        versions: {
          catalog: identity.version,
          pricing: versionOf(priceReply.body),
          inventory: versionOf(stockReply.body),
        },
      };
      res.json(answer);
    });
  },
};

function enrich(product: Product, price: PriceQuote | undefined, stock: StockLevel | undefined): CatalogProduct {
  return { ...product, price: price ? withoutProductId(price) : null, stock: stock ? withoutProductId(stock) : null };
}

function withoutProductId<T extends { productId: string }>(value: T): Omit<T, 'productId'> {
  const { productId: _productId, ...rest } = value;
  return rest;
}

function instanceOf(body: unknown): string {
  const value = (body as { instance?: unknown } | undefined)?.instance;
  return typeof value === 'string' ? value : 'unknown';
}

function versionOf(body: unknown): string {
  const value = (body as { version?: unknown } | undefined)?.version;
  return typeof value === 'string' ? value : 'unknown';
}
