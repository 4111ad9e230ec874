import { doesNotExist, nearestNames } from './nearest-names.js';

describe('nearest names for something that does not exist', () => {
  it('orders existing names by edit distance, case-insensitively, ties alphabetically', () => {
    expect(nearestNames('ordrs', ['customers', 'orders', 'order_items', 'products'], 2)).toEqual(['orders', 'products']);
    expect(nearestNames('MEMROY', ['system', 'memory'], 1)).toEqual(['memory']);
  });

  it('says what exists, and only that it does not exist when nothing does', () => {
    expect(doesNotExist('Catalog', 'memroy', ['memory', 'system'])).toBe(
      'Catalog "memroy" does not exist; nearest existing: "memory", "system"',
    );
    expect(doesNotExist('Catalog', 'x', [])).toBe('Catalog "x" does not exist');
  });
});
