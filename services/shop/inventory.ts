/** Stock status of the inventory service. */

export type StockStatus = 'in_stock' | 'low_stock' | 'out_of_stock';

export interface StockLevel {
  readonly productId: string;
  /** Units that can be sold now: on hand minus reserved for open orders. */
  readonly available: number;
  readonly reserved: number;
  readonly status: StockStatus;
}

/** At or below this many available units a product shows as "low stock". */
export const lowStockThreshold = 5;

export function stockLevel(productId: string, onHand: number, reserved: number): StockLevel {
  const available = Math.max(0, onHand - reserved);
  const status: StockStatus =
    available === 0 ? 'out_of_stock' : available <= lowStockThreshold ? 'low_stock' : 'in_stock';
  return { productId, available, reserved, status };
}
