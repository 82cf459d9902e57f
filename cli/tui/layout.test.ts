import { describe, expect, it } from 'vitest';
import { MIN_BOTTOM_ROWS, bottomPaneRows, faultPanelRows, fixedRows } from './layout.js';

describe('dashboard layout', () => {
  const shop = { services: 3, instances: 3, faults: 1, partitions: 0 };

  it('gives the bottom pane what the header, tables, faults and footer leave of the terminal', () => {
    // header 2, four gaps, services 1+3, instances 1+3, faults 1+1, footer 1
    expect(fixedRows(shop)).toBe(17);
    expect(bottomPaneRows(24, shop)).toBe(7);
    expect(bottomPaneRows(50, shop)).toBe(33);
  });

  it('lists each fault and partition under a heading, or one line saying none', () => {
    expect(faultPanelRows(0, 0)).toBe(1);
    expect(faultPanelRows(1, 0)).toBe(2);
    expect(faultPanelRows(2, 3)).toBe(6);
    expect(fixedRows({ ...shop, faults: 0 })).toBe(fixedRows(shop) - 1);
    expect(fixedRows({ ...shop, faults: 0, partitions: 2 })).toBe(fixedRows(shop) + 1);
  });

  it('keeps the bottom pane at its minimum on a terminal too small for the tables', () => {
    expect(bottomPaneRows(10, shop)).toBe(MIN_BOTTOM_ROWS);
    expect(bottomPaneRows(24, { ...shop, services: 40 })).toBe(MIN_BOTTOM_ROWS);
  });
});
