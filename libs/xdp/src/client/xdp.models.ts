/**
 * XDP response models as observed (docs/xdp-rest-api.md). Nothing is guaranteed by a
 * published specification, so every body is checked against `xdp-response.schemas.ts` before
 * one of these types is trusted.
 */

/** Paging metadata; `count` is the total number of items, not the number on this page. */
export interface XdpPageMeta {
  size: number;
  page: number;
  count: number;
}

/** The envelope of most XDP answers; failure may arrive as HTTP 200 with `success: false`. */
export interface XdpEnvelope<T> {
  errorCode?: number | null;
  success: boolean;
  message?: string | null;
  detailedMessage?: string | null;
  data?: T | null;
}

export interface XdpDataStore {
  id: number;
  name: string;
  dataplaneId: number;
  /** e.g. `S3`, `ODP`. */
  dataStoreType: string;
  /** Free-form and may hold credentials: redact before showing it to anyone. */
  config?: Record<string, unknown> | null;
  tenantId?: string | null;
  createdAt?: string | null;
  updatedAt?: string | null;
  isCredentialConfigured?: boolean | null;
}

export interface XdpDataStorePage {
  dataStores: XdpDataStore[];
  meta: XdpPageMeta;
}

export interface XdpDataplane {
  id: number;
  name: string;
  url?: string | null;
  externalUrl?: string | null;
  description?: string | null;
  tenantId?: string | null;
  type?: string | null;
  status?: string | null;
  statusReportInterval?: number | null;
  version?: string | null;
  lastStatusReportTime?: number | null;
  healthReport?: string | null;
  namespace?: string | null;
  installationType?: string | null;
  dataplaneVersion?: string | null;
  [field: string]: unknown;
}

/** `GET /dataplane` answers without the success envelope. */
export interface XdpDataplaneList {
  dataplanes: XdpDataplane[];
  meta?: XdpPageMeta | null;
}

export interface XdpListDatastoresParams {
  /** Zero-based. */
  page: number;
  size: number;
  /** `<field>:asc|desc`; sent as the wire parameter `sort_by`. */
  sortBy: string;
}

export interface XdpExecuteQueryParams {
  /** Dataplane id; XDP expects it as a string. */
  dataplane: string;
  query: string;
}

/** Trino's own error object; XDP may also report a failure as a plain string. */
export interface XdpTrinoError {
  message?: string;
  errorCode?: number;
  errorName?: string;
  errorType?: string;
  [field: string]: unknown;
}

export interface XdpTypeSignature {
  rawType: string;
  arguments?: unknown[];
  [field: string]: unknown;
}

export interface XdpQueryColumn {
  name: string;
  type: string;
  typeSignature?: XdpTypeSignature | null;
}

/**
 * Mirrors Trino's `QueryResults`. Numbers that JSON cannot carry exactly (integers beyond 2^53,
 * over-long decimals) are delivered as decimal strings; the column type says what they are.
 */
export interface XdpQueryResult {
  id?: string | null;
  state?: string | null;
  columns?: XdpQueryColumn[] | null;
  data?: unknown[][] | null;
  stats?: Record<string, unknown> | null;
  error?: string | XdpTrinoError | null;
  nextUri?: string | null;
  infoUri?: string | null;
  updateType?: string | null;
  warnings?: unknown[] | null;
  failureInfo?: unknown;
  [field: string]: unknown;
}

/** `POST /query/execute` answer: the query run plus a Trino-style result. */
export interface XdpQueryExecution {
  id?: number | string | null;
  runRequestId?: string | null;
  queryId?: string | null;
  error?: string | XdpTrinoError | null;
  status?: string | null;
  result?: XdpQueryResult | null;
  [field: string]: unknown;
}
