import { itemRange, paginationOf } from './pagination.js';

describe('pagination', () => {
  it('derives total pages from the total count and the page size', () => {
    expect(paginationOf({ page: 0, size: 20, count: 57 })).toEqual({ page: 0, size: 20, totalElements: 57, totalPages: 3 });
    expect(paginationOf({ page: 1, size: 20, count: 40 }).totalPages).toBe(2);
    expect(paginationOf({ page: 0, size: 20, count: 0 }).totalPages).toBe(0);
    expect(paginationOf({ page: 0, size: 1, count: 1 }).totalPages).toBe(1);
  });

  it('guards a page size of zero instead of dividing by it', () => {
    expect(paginationOf({ page: 0, size: 0, count: 5 }).totalPages).toBe(0);
  });

  it('gives the one-based item range shown on a page', () => {
    const pagination = paginationOf({ page: 2, size: 20, count: 57 });
    expect(itemRange(pagination, 17)).toEqual({ first: 41, last: 57 });
    expect(itemRange(pagination, 0)).toBeUndefined();
  });
});
