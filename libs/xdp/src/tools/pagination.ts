import type { XdpPageMeta } from '../client/xdp.models.js';

export interface Pagination {
  /** Zero-based. */
  page: number;
  size: number;
  totalElements: number;
  totalPages: number;
}

/** XDP's `data.meta` (`count` = total items) as page numbers; a size of 0 means no pages rather than a division by zero. */
export function paginationOf(meta: XdpPageMeta): Pagination {
  return {
    page: meta.page,
    size: meta.size,
    totalElements: meta.count,
    totalPages: meta.size > 0 ? Math.ceil(meta.count / meta.size) : 0,
  };
}

/** `items 21–40 of 57` style range of a page, or undefined when the page is empty. */
export function itemRange(pagination: Pagination, itemsOnPage: number): { first: number; last: number } | undefined {
  if (itemsOnPage === 0) return undefined;
  const first = pagination.page * pagination.size + 1;
  return { first, last: first + itemsOnPage - 1 };
}
