/**
 * The demo shop's data: a small specialty-coffee store. Each service owns its part: the catalog
 * owns descriptions, pricing owns list prices, inventory owns stock, as in a real shop where
 * those live in different systems.
 */

export interface Product {
  readonly id: string;
  readonly sku: string;
  readonly name: string;
  readonly category: 'coffee' | 'brewing' | 'grinders' | 'accessories';
  readonly description: string;
  readonly tags: readonly string[];
}

export const products: readonly Product[] = [
  {
    id: 'p-1001',
    sku: 'COF-ETH-250',
    name: 'Ethiopia Yirgacheffe, washed, 250 g',
    category: 'coffee',
    description: 'Light roast single origin with notes of bergamot, jasmine and lemon curd.',
    tags: ['single-origin', 'light-roast', 'filter'],
  },
  {
    id: 'p-1002',
    sku: 'COF-NSH-1000',
    name: 'Night Shift espresso blend, 1 kg',
    category: 'coffee',
    description: 'Brazil and Guatemala blend roasted for espresso: dark chocolate, hazelnut, low acidity.',
    tags: ['blend', 'espresso', 'medium-dark'],
  },
  {
    id: 'p-1003',
    sku: 'COF-COL-DECAF-250',
    name: 'Colombia sugarcane decaf, 250 g',
    category: 'coffee',
    description: 'Ethyl-acetate decaffeinated Colombian coffee, sweet with red apple and caramel.',
    tags: ['decaf', 'single-origin'],
  },
  {
    id: 'p-1004',
    sku: 'BRW-V60-02-CER',
    name: 'Ceramic pour-over dripper, size 02',
    category: 'brewing',
    description: 'Cone dripper with spiral ribs for one to four cups; heats evenly once rinsed.',
    tags: ['pour-over', 'ceramic'],
  },
  {
    id: 'p-1005',
    sku: 'BRW-KTL-GN10',
    name: 'Gooseneck kettle with temperature control, 1.0 L',
    category: 'brewing',
    description: 'Electric kettle holding water at 80-100 °C within 1 °C, with a flow-restricting spout.',
    tags: ['kettle', 'electric'],
  },
  {
    id: 'p-1006',
    sku: 'BRW-MOKA-6',
    name: 'Stovetop espresso maker, 6 cups',
    category: 'brewing',
    description: 'Aluminium moka pot for gas and electric hobs; a strong, syrupy cup in five minutes.',
    tags: ['moka', 'stovetop'],
  },
  {
    id: 'p-1007',
    sku: 'BRW-CB-1000',
    name: 'Cold brew bottle, 1 L',
    category: 'brewing',
    description: 'Borosilicate bottle with a fine mesh filter; steep overnight in the fridge.',
    tags: ['cold-brew', 'glass'],
  },
  {
    id: 'p-1008',
    sku: 'GRD-CON-40',
    name: 'Conical burr grinder, 40 mm',
    category: 'grinders',
    description: 'Stepless grind adjustment from Turkish to French press, low retention.',
    tags: ['electric', 'conical-burr'],
  },
  {
    id: 'p-1009',
    sku: 'GRD-HND-38',
    name: 'Hand grinder, 38 mm steel burrs',
    category: 'grinders',
    description: 'Travel-size manual grinder with 40 clicks per rotation; grinds 20 g in under a minute.',
    tags: ['manual', 'travel'],
  },
  {
    id: 'p-1010',
    sku: 'ACC-SCL-01',
    name: 'Brewing scale with timer, 0.1 g',
    category: 'accessories',
    description: 'Rechargeable scale reading to 0.1 g up to 2 kg, with a built-in shot timer.',
    tags: ['scale', 'usb-c'],
  },
  {
    id: 'p-1011',
    sku: 'ACC-FLT-02-100',
    name: 'Paper filters, size 02, pack of 100',
    category: 'accessories',
    description: 'Oxygen-bleached cone filters; rinse before brewing to remove paper taste.',
    tags: ['filters', 'consumable'],
  },
  {
    id: 'p-1012',
    sku: 'ACC-MUG-350',
    name: 'Insulated travel mug, 350 ml',
    category: 'accessories',
    description: 'Double-wall stainless steel mug with a leak-proof lid; keeps coffee hot for 4 hours.',
    tags: ['mug', 'travel'],
  },
];

/** List prices in euro cents, owned by the pricing service. */
export const listPricesCents: Readonly<Record<string, number>> = {
  'p-1001': 1450,
  'p-1002': 3290,
  'p-1003': 1390,
  'p-1004': 2490,
  'p-1005': 8990,
  'p-1006': 3990,
  'p-1007': 2990,
  'p-1008': 12900,
  'p-1009': 7450,
  'p-1010': 3490,
  'p-1011': 590,
  'p-1012': 2790,
};

/** Units on hand and reserved for open orders, owned by the inventory service. */
export const stockLevels: Readonly<Record<string, { readonly onHand: number; readonly reserved: number }>> = {
  'p-1001': { onHand: 84, reserved: 6 },
  'p-1002': { onHand: 41, reserved: 3 },
  'p-1003': { onHand: 12, reserved: 4 },
  'p-1004': { onHand: 57, reserved: 0 },
  'p-1005': { onHand: 9, reserved: 2 },
  'p-1006': { onHand: 33, reserved: 1 },
  'p-1007': { onHand: 0, reserved: 0 },
  'p-1008': { onHand: 6, reserved: 5 },
  'p-1009': { onHand: 18, reserved: 2 },
  'p-1010': { onHand: 26, reserved: 0 },
  'p-1011': { onHand: 412, reserved: 20 },
  'p-1012': { onHand: 64, reserved: 7 },
};

export function findProduct(id: string): Product | undefined {
  return products.find((p) => p.id === id);
}
