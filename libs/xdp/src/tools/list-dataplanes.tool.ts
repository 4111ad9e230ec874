import type { ObjectSchema, ToolDefinition } from '#tool-contract';
import type { XdpClient } from '../client/xdp.client.js';
import type { XdpDataplane } from '../client/xdp.models.js';

export interface DataplaneView {
  id: number;
  name: string;
  status: string | null;
  type: string | null;
  version: string | null;
  description: string | null;
}

export interface ListDataplanesResult {
  dataplanes: DataplaneView[];
  /** Total XDP reports; larger than `dataplanes.length` if XDP paged the answer. */
  totalCount: number;
}

const nullableString = { type: ['string', 'null'] };

export const listDataplanesOutputSchema: ObjectSchema = {
  type: 'object',
  properties: {
    dataplanes: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          name: { type: 'string' },
          status: nullableString,
          type: nullableString,
          version: nullableString,
          description: nullableString,
        },
        required: ['id', 'name', 'status', 'type', 'version', 'description'],
        additionalProperties: false,
      },
    },
    totalCount: { type: 'integer', minimum: 0 },
  },
  required: ['dataplanes', 'totalCount'],
  additionalProperties: false,
};

export function listDataplanesTool(client: XdpClient): ToolDefinition<Record<string, never>, ListDataplanesResult> {
  return {
    name: 'xdp_list_dataplanes',
    title: 'List XDP dataplanes',
    description:
      'Lists the XDP dataplanes (the clusters that run queries and jobs) with id, name, status, type and version. ' +
      'Use a dataplane id here wherever a tool asks for `dataplane`.',
    inputSchema: { type: 'object', properties: {}, additionalProperties: false },
    outputSchema: listDataplanesOutputSchema,
    annotations: { readOnlyHint: true, openWorldHint: true },
    async handler(_args, context) {
      const list = await client.listDataplanes({ signal: context.signal });
      const dataplanes = list.dataplanes.map(toView);
      const result: ListDataplanesResult = { dataplanes, totalCount: Math.max(list.meta?.count ?? 0, dataplanes.length) };
      return { text: renderDataplanes(result), structuredContent: result };
    },
  };
}

function toView(dataplane: XdpDataplane): DataplaneView {
  return {
    id: dataplane.id,
    name: dataplane.name,
    status: dataplane.status ?? null,
    type: dataplane.type ?? null,
    version: dataplane.version ?? null,
    description: dataplane.description ?? null,
  };
}

export function renderDataplanes({ dataplanes, totalCount }: ListDataplanesResult): string {
  if (dataplanes.length === 0) return 'No XDP dataplanes are registered.';
  const shown = totalCount > dataplanes.length ? `${dataplanes.length} of ${totalCount}` : String(dataplanes.length);
  return [`XDP dataplanes (${shown}):`, ...dataplanes.map(renderDataplane)].join('\n');
}

function renderDataplane(dataplane: DataplaneView): string {
  const parts = [
    `${dataplane.id} ${dataplane.name}`,
    dataplane.status,
    dataplane.type,
    dataplane.version && `v${dataplane.version}`,
  ].filter(Boolean);
  return `- ${parts.join(' · ')}${dataplane.description ? ` — ${dataplane.description}` : ''}`;
}
