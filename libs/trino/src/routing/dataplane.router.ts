import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '#config';
import { ToolError } from '#tool-contract';
import { XdpClient } from '#xdp';
import type { DirectTrinoEngine } from '../direct/trino-direct.engine.js';
import type { DuckDbEngine } from '../duckdb/duckdb.engine.js';
import type { QueryEngine } from '../engine/query-engine.js';
import { DIRECT_TRINO_ENGINE, LOCAL_DUCKDB_ENGINE, XdpEngineFactory } from './query-engines.providers.js';

/** Where a query runs: a named dataplane and its engine. */
export interface QueryTarget {
  dataplane: string;
  engine: QueryEngine;
  /** Human-readable hint shown when listing dataplanes (XDP name). */
  label?: string;
  /** Catalog unqualified names resolve against when the caller names none. */
  defaultCatalog?: string;
}

export const LOCAL_DATAPLANE = 'local';
const XDP_LIST_TTL_MS = 60_000;

interface XdpDataplanes {
  fetchedAt: number;
  byKey: Map<string, QueryTarget>;
}

/**
 * Maps a tool's `dataplane` argument to an engine. Fixed targets are the engines configuration
 * made (query-engines.providers.ts: `TRINO_URL` under TRINO_DATAPLANE, or the embedded DuckDB as
 * `local` when neither XDP nor Trino is configured); XDP dataplanes come from `GET /dataplane`, cached, addressable by id or name.
 */
@Injectable()
export class DataplaneRouter implements OnModuleDestroy {
  private readonly logger = new Logger(DataplaneRouter.name);
  readonly fixed = new Map<string, QueryTarget>();
  readonly duckdb?: DuckDbEngine;
  private xdpDataplanes?: XdpDataplanes;
  private xdpRefresh?: Promise<XdpDataplanes>;

  constructor(
    config: AppConfig,
    private readonly xdp: XdpClient,
    private readonly xdpEngines: XdpEngineFactory,
    @Inject(DIRECT_TRINO_ENGINE) direct: DirectTrinoEngine | null,
    @Inject(LOCAL_DUCKDB_ENGINE) duckdb: DuckDbEngine | null,
  ) {
    const { trino } = config;
    if (direct) {
      this.fixed.set(trino.dataplane, { dataplane: trino.dataplane, engine: direct, label: 'direct Trino', defaultCatalog: trino.catalog });
    }
    if (duckdb) {
      this.duckdb = duckdb;
      this.fixed.set(LOCAL_DATAPLANE, {
        dataplane: LOCAL_DATAPLANE,
        engine: duckdb,
        label: trino.duckdbPath ? `DuckDB file ${trino.duckdbPath}` : 'embedded DuckDB sample data',
        defaultCatalog: duckdb.defaultCatalog,
      });
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.duckdb?.close();
  }

  /** The target for `dataplane`; when omitted, the only target there is. */
  async resolve(dataplane: string | undefined, signal?: AbortSignal): Promise<QueryTarget> {
    if (dataplane !== undefined) {
      const fixed = this.fixed.get(dataplane);
      if (fixed) return fixed;
    }
    const targets = await this.targets(signal);
    if (dataplane === undefined) {
      if (targets.length === 1) return targets[0];
      throw new ToolError('invalid_arguments', `"dataplane" is required: ${describeTargets(targets)}`, {
        fields: [{ field: 'dataplane', message: 'is required when several dataplanes exist' }],
      });
    }
    let found = this.xdpDataplanes?.byKey.get(dataplane);
    if (!found && this.xdp.enabled && Date.now() - (this.xdpDataplanes?.fetchedAt ?? 0) > 5000) {
      // A dataplane created since the last listing: look again before saying it does not exist.
      found = (await this.refreshXdpDataplanes(signal)).byKey.get(dataplane);
    }
    if (found) return found;
    throw new ToolError('not_found', `Unknown dataplane "${dataplane}": ${describeTargets(targets)}`, {
      fields: [{ field: 'dataplane', message: 'unknown dataplane' }],
    });
  }

  /** Every target: the fixed ones, then the XDP dataplanes (cached listing). */
  async targets(signal?: AbortSignal): Promise<QueryTarget[]> {
    const fixed = [...this.fixed.values()];
    if (!this.xdp.enabled) return fixed;
    const xdp = await this.cachedXdpDataplanes(signal);
    return [...fixed, ...new Set(xdp.byKey.values())];
  }

  /** Re-lists XDP dataplanes (shared by concurrent callers). */
  private refreshXdpDataplanes(signal?: AbortSignal): Promise<XdpDataplanes> {
    this.xdpRefresh ??= this.listXdpDataplanes(signal).finally(() => {
      this.xdpRefresh = undefined;
    });
    return this.xdpRefresh;
  }

  private async cachedXdpDataplanes(signal?: AbortSignal): Promise<XdpDataplanes> {
    const cached = this.xdpDataplanes;
    if (cached && Date.now() - cached.fetchedAt < XDP_LIST_TTL_MS) return cached;
    try {
      return await this.refreshXdpDataplanes(signal);
    } catch (error) {
      // A stale list beats failing every query while XDP's listing endpoint hiccups.
      if (cached) return cached;
      throw error;
    }
  }

  private async listXdpDataplanes(signal?: AbortSignal): Promise<XdpDataplanes> {
    const { dataplanes } = await this.xdp.listDataplanes({ signal });
    const byKey = new Map<string, QueryTarget>();
    for (const dataplane of dataplanes) {
      const id = String(dataplane.id);
      const target: QueryTarget = { dataplane: id, engine: this.xdpEngines.forDataplane(id), label: dataplane.name };
      byKey.set(id, target);
      // Names are aliases; an id, a fixed target or an earlier dataplane keeps a clashing name.
      if (dataplane.name && !byKey.has(dataplane.name) && !this.fixed.has(dataplane.name)) byKey.set(dataplane.name, target);
    }
    this.xdpDataplanes = { fetchedAt: Date.now(), byKey };
    this.logger.debug(`XDP lists ${dataplanes.length} dataplane(s)`);
    return this.xdpDataplanes;
  }
}

function describeTargets(targets: readonly QueryTarget[]): string {
  if (targets.length === 0) return 'no dataplanes are available';
  return `available dataplanes: ${targets.map((t) => (t.label && t.label !== t.dataplane ? `"${t.dataplane}" (${t.label})` : `"${t.dataplane}"`)).join(', ')}`;
}
