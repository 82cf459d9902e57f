/** Price computation of the pricing service: integer cents, so no float rounding drifts in. */

export interface PriceQuote {
  readonly productId: string;
  readonly currency: 'EUR';
  /** What the customer pays, in cents, after the discount. */
  readonly amountCents: number;
  readonly listAmountCents: number;
  readonly discountPercent: number;
  /** For people reading the JSON, e.g. "€12.33". */
  readonly display: string;
}

/**
 * Applies a percentage discount to a list price. Rounds half up to the cent, the way a till
 * does, and never below zero.
 */
export function discountedCents(listCents: number, discountPercent: number): number {
  if (!Number.isInteger(listCents) || listCents < 0)
    throw new RangeError(`list price must be whole cents >= 0, got ${listCents}`);
  if (!(discountPercent >= 0 && discountPercent <= 100)) {
    throw new RangeError(`discount must be 0..100 percent, got ${discountPercent}`);
  }
  // Work in hundredths of a cent so 15% of 1450 is exact (21750 / 100), then round once.
  return Math.max(0, Math.round((listCents * (100 - discountPercent)) / 100));
}

export function formatEuros(cents: number): string {
  return `€${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

export function quotePrice(productId: string, listCents: number, discountPercent: number): PriceQuote {
  const amountCents = discountedCents(listCents, discountPercent);
  return {
    productId,
    currency: 'EUR',
    amountCents,
    listAmountCents: listCents,
    discountPercent,
    display: formatEuros(amountCents),
  };
}
