import type { ArgumentsOf, ObjectSchema, ToolDefinition } from '#tool-contract';
import type { XdpClient } from '../client/xdp.client.js';
import type { XdpDataStore } from '../client/xdp.models.js';
import { redactCredentials } from './credential-redactor.js';
import { itemRange, type Pagination, paginationOf } from './pagination.js';

export interface DatastoreView {
  id: number;
  name: string;
  dataplaneId: number;
  dataStoreType: string;
  tenantId: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  isCredentialConfigured: boolean | null;
  /** Credential-like values redacted. */
  config: Record<string, unknown>;
}

export interface ListDatastoresResult {
  datastores: DatastoreView[];
  pagination: Pagination;
}

const SORT_BY = '^[A-Za-z][A-Za-z0-9_]{0,63}:(asc|desc)$';
const nullableString = { type: ['string', 'null'] };
const count = { type: 'integer', minimum: 0 };

const inputSchema = {
  type: 'object',
  properties: {
    page: { type: 'integer', minimum: 0, default: 0, description: 'Zero-based page number' },
    size: { type: 'integer', minimum: 1, maximum: 100, default: 20, description: 'Data stores per page' },
    sortBy: { type: 'string', pattern: SORT_BY, default: 'updatedAt:asc', description: '<field>:asc or <field>:desc, e.g. name:asc' },
  },
  additionalProperties: false,
} as const satisfies ObjectSchema;

/** `{ page: number; size: number; sortBy: string }`: every property has a default, so each is present. */
export type ListDatastoresArgs = ArgumentsOf<typeof inputSchema>;

export const listDatastoresOutputSchema: ObjectSchema = {
  type: 'object',
  properties: {
    datastores: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          name: { type: 'string' },
          dataplaneId: { type: 'integer' },
          dataStoreType: { type: 'string' },
          tenantId: nullableString,
          createdAt: nullableString,
          updatedAt: nullableString,
          isCredentialConfigured: { type: ['boolean', 'null'] },
          config: { type: 'object', description: 'Data store settings; credential-like values are [REDACTED]' },
        },
        required: ['id', 'name', 'dataplaneId', 'dataStoreType', 'tenantId', 'createdAt', 'updatedAt', 'isCredentialConfigured', 'config'],
        additionalProperties: false,
      },
    },
    pagination: {
      type: 'object',
      properties: { page: count, size: count, totalElements: count, totalPages: count },
      required: ['page', 'size', 'totalElements', 'totalPages'],
      additionalProperties: false,
    },
  },
  required: ['datastores', 'pagination'],
  additionalProperties: false,
};

export function listDatastoresTool(client: XdpClient): ToolDefinition<ListDatastoresArgs, ListDatastoresResult> {
  return {
    name: 'xdp_list_datastores',
    title: 'List XDP data stores',
    description:
      'Lists the data stores registered on the XDP platform (S3 buckets, ODP clusters, …) one page at a time, with their ' +
      'dataplane id, type and settings. Credentials are never shown.',
    inputSchema,
    outputSchema: listDatastoresOutputSchema,
    annotations: { readOnlyHint: true, openWorldHint: true },
    async handler(args, context) {
      const page = await client.listDatastores(args, { signal: context.signal });
      const result: ListDatastoresResult = { datastores: page.dataStores.map(toView), pagination: paginationOf(page.meta) };
      return { text: renderDatastores(result, args.sortBy), structuredContent: result };
    },
  };
}

export function toView(store: XdpDataStore): DatastoreView {
  return {
    id: store.id,
    name: store.name,
    dataplaneId: store.dataplaneId,
    dataStoreType: store.dataStoreType,
    tenantId: store.tenantId ?? null,
    createdAt: store.createdAt ?? null,
    updatedAt: store.updatedAt ?? null,
    isCredentialConfigured: store.isCredentialConfigured ?? null,
    config: redactCredentials(store.config ?? {}) as Record<string, unknown>,
  };
}

/** Compact, one line per store: what a model needs to pick one, without the raw JSON. */
export function renderDatastores({ datastores, pagination }: ListDatastoresResult, sortBy: string): string {
  const range = itemRange(pagination, datastores.length);
  const pages = pagination.totalPages > 0 ? `pages 0–${pagination.totalPages - 1}` : 'no pages';
  if (!range) return `No XDP data stores on page ${pagination.page} (${pagination.totalElements} in total, ${pages}).`;
  const lines = [
    `XDP data stores ${range.first}–${range.last} of ${pagination.totalElements} (page ${pagination.page}, ${pages}, sorted by ${sortBy}):`,
    ...datastores.map(renderDatastore),
  ];
  if (pagination.page + 1 < pagination.totalPages) lines.push(`Next: page=${pagination.page + 1}`);
  return lines.join('\n');
}

function renderDatastore(store: DatastoreView): string {
  const parts = [`${store.id} ${store.name}`, store.dataStoreType, `dataplane ${store.dataplaneId}`];
  if (store.tenantId) parts.push(`tenant ${store.tenantId}`);
  if (store.isCredentialConfigured !== null) parts.push(store.isCredentialConfigured ? 'credentials configured' : 'no credentials');
  if (store.updatedAt) parts.push(`updated ${store.updatedAt}`);
  if (typeof store.config.url === 'string') parts.push(`url ${store.config.url}`);
  return `- ${parts.join(' · ')}`;
}
