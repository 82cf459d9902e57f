import type { Product } from './catalog-data.js';
import type { StockLevel } from './inventory.js';
import type { PriceQuote } from './pricing.js';
import { UpstreamError } from './upstream.js';

/** The JSON the shop's services answer each other with. Every answer names who served it. */

export interface Served {
  readonly service: string;
  readonly instance: string;
  readonly version: string;
}

export interface PriceListAnswer extends Served {
  readonly prices: readonly PriceQuote[];
}
export interface PriceAnswer extends Served {
  readonly price: PriceQuote;
}
export interface StockListAnswer extends Served {
  readonly stock: readonly StockLevel[];
}
export interface StockAnswer extends Served {
  readonly stock: StockLevel;
}

export interface CatalogProduct extends Product {
  readonly price: Omit<PriceQuote, 'productId'> | null;
  readonly stock: Omit<StockLevel, 'productId'> | null;
}

/** Service name -> instance id / version label of everyone who served a request. */
export type Chain = Readonly<Record<string, string>>;

export interface CatalogListAnswer extends Served {
  readonly products: readonly CatalogProduct[];
  readonly servedBy: Chain;
  readonly versions: Chain;
}
export interface CatalogItemAnswer extends Served {
  readonly product: CatalogProduct;
  readonly servedBy: Chain;
  readonly versions: Chain;
}

/**
 * Checks that an upstream's 2xx body has the fields this service is about to read; a wrong
 * shape is the upstream's fault (502 naming it), not a 500 of ours.
 */
export function expectAnswer<T extends Served>(upstream: string, body: unknown, fields: readonly string[]): T {
  const missing =
    typeof body !== 'object' || body === null
      ? ['(an object)']
      : ['instance', 'version', ...fields].filter((f) => (body as Record<string, unknown>)[f] === undefined);
  if (missing.length > 0) {
    throw new UpstreamError(upstream, 'bad_response', `${upstream} answered without ${missing.join(', ')}`);
  }
  return body as T;
}
