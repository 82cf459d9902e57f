import { describe, expect, it } from 'vitest';
import { listPricesCents, products, stockLevels } from './catalog-data.js';
import { stockLevel } from './inventory.js';
import { discountedCents, formatEuros, quotePrice } from './pricing.js';

describe('discountedCents', () => {
  it('takes the percentage off and rounds half up to the cent', () => {
    expect(discountedCents(1450, 15)).toBe(1233); // 1232.5
    expect(discountedCents(3290, 15)).toBe(2797); // 2796.5
    expect(discountedCents(1000, 0)).toBe(1000);
    expect(discountedCents(1000, 100)).toBe(0);
    expect(discountedCents(999, 33.3)).toBe(666); // 666.333
  });

  it('rejects prices and discounts that make no sense', () => {
    expect(() => discountedCents(10.5, 10)).toThrow(/whole cents/);
    expect(() => discountedCents(1000, 101)).toThrow(/0..100/);
    expect(() => discountedCents(1000, Number.NaN)).toThrow(/0..100/);
  });
});

describe('quotePrice', () => {
  it('carries list price, discount and a display string', () => {
    expect(quotePrice('p-1', 12900, 15)).toEqual({
      productId: 'p-1',
      currency: 'EUR',
      amountCents: 10965,
      listAmountCents: 12900,
      discountPercent: 15,
      display: '€109.65',
    });
    expect(formatEuros(5)).toBe('€0.05');
  });
});

describe('stockLevel', () => {
  it('derives availability and status from on-hand and reserved units', () => {
    expect(stockLevel('p', 10, 2)).toEqual({ productId: 'p', available: 8, reserved: 2, status: 'in_stock' });
    expect(stockLevel('p', 6, 5).status).toBe('low_stock');
    expect(stockLevel('p', 3, 5)).toEqual({ productId: 'p', available: 0, reserved: 5, status: 'out_of_stock' });
  });
});

describe('shop data', () => {
  it('prices and stocks every product in the catalog, and nothing else', () => {
    const ids = products.map((p) => p.id).sort();
    expect(ids.length).toBeGreaterThanOrEqual(12);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Object.keys(listPricesCents).sort()).toEqual(ids);
    expect(Object.keys(stockLevels).sort()).toEqual(ids);
  });
});
