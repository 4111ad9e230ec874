import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A span as the collector received it, whatever the wire format. */
export interface CollectedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, unknown>;
  /** OTLP StatusCode: 0 unset, 1 ok, 2 error. */
  statusCode: number;
  serviceName?: unknown;
}

/**
 * An in-process OTLP/HTTP trace receiver on 127.0.0.1:0: accepts `POST /v1/traces` in JSON and
 * protobuf, and keeps every span (plus the raw bodies, for leak checks).
 */
export class OtlpCollector {
  readonly spans: CollectedSpan[] = [];
  readonly contentTypes: string[] = [];
  readonly rawBodies: Buffer[] = [];
  /** Bodies that could not be decoded (answered 400). */
  readonly errors: string[] = [];
  private server!: Server;
  url = '';

  static async start(): Promise<OtlpCollector> {
    const collector = new OtlpCollector();
    collector.server = createServer((request, response) => {
      void readAll(request).then((body) => {
        if (request.method !== 'POST' || request.url !== '/v1/traces') {
          response.writeHead(404).end();
          return;
        }
        const type = request.headers['content-type'] ?? '';
        collector.contentTypes.push(type);
        collector.rawBodies.push(body);
        try {
          collector.spans.push(...(type.includes('json') ? fromJson(JSON.parse(body.toString('utf8'))) : fromProtobuf(body)));
        } catch (error) {
          collector.errors.push(error instanceof Error ? error.message : String(error));
          response.writeHead(400).end();
          return;
        }
        response
          .writeHead(200, { 'content-type': type.includes('json') ? 'application/json' : 'application/x-protobuf' })
          .end(type.includes('json') ? '{}' : undefined);
      });
    });
    await new Promise<void>((resolve) => collector.server.listen(0, '127.0.0.1', resolve));
    collector.url = `http://127.0.0.1:${(collector.server.address() as AddressInfo).port}`;
    return collector;
  }

  inTrace(traceId: string): CollectedSpan[] {
    return this.spans.filter((span) => span.traceId === traceId);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function readAll(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

interface JsonAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: JsonAnyValue[] };
}
type JsonKeyValue = { key: string; value: JsonAnyValue };

function fromJson(body: {
  resourceSpans?: { resource?: { attributes?: JsonKeyValue[] }; scopeSpans?: { spans?: any[] }[] }[];
}): CollectedSpan[] {
  const jsonValue = (value: JsonAnyValue): unknown =>
    value.stringValue ??
    value.boolValue ??
    (value.intValue !== undefined ? Number(value.intValue) : undefined) ??
    value.doubleValue ??
    value.arrayValue?.values?.map(jsonValue);
  const attributes = (list: JsonKeyValue[] = []) => Object.fromEntries(list.map(({ key, value }) => [key, jsonValue(value)]));
  return (body.resourceSpans ?? []).flatMap((resourceSpans) => {
    const serviceName = attributes(resourceSpans.resource?.attributes)['service.name'];
    return (resourceSpans.scopeSpans ?? []).flatMap((scope) =>
      (scope.spans ?? []).map((span) => ({
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId ?? '',
        name: span.name,
        kind: span.kind,
        attributes: attributes(span.attributes),
        statusCode: span.status?.code ?? 0,
        serviceName,
      })),
    );
  });
}

/** Field number → values of a protobuf message: numbers for varints, buffers for everything else. */
type Fields = Map<number, (number | Buffer)[]>;

/**
 * A minimal protobuf wire-format decoder: enough for the OTLP ExportTraceServiceRequest. The
 * exporter's @opentelemetry/otlp-transformer only serializes (its generated types were replaced by
 * a hand-written writer), so the test decodes the wire format itself.
 */
function decode(buffer: Buffer): Fields {
  const fields: Fields = new Map();
  let position = 0;
  const varint = (): number => {
    let result = 0;
    let multiplier = 1;
    for (;;) {
      const byte = buffer[position++];
      result += (byte & 0x7f) * multiplier;
      if (byte < 0x80) return result;
      multiplier *= 128;
    }
  };
  while (position < buffer.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    let value: number | Buffer;
    if (wire === 0) value = varint();
    else if (wire === 1) value = buffer.subarray(position, (position += 8));
    else if (wire === 5) value = buffer.subarray(position, (position += 4));
    else if (wire === 2) {
      const length = varint();
      value = buffer.subarray(position, (position += length));
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
    fields.set(field, [...(fields.get(field) ?? []), value]);
  }
  return fields;
}

const messages = (fields: Fields, field: number): Fields[] => (fields.get(field) ?? []).map((value) => decode(value as Buffer));
const text = (fields: Fields, field: number): string =>
  ((fields.get(field)?.[0] as Buffer | undefined) ?? Buffer.alloc(0)).toString('utf8');
const hex = (fields: Fields, field: number): string => ((fields.get(field)?.[0] as Buffer | undefined) ?? Buffer.alloc(0)).toString('hex');
const number = (fields: Fields, field: number): number => (fields.get(field)?.[0] as number | undefined) ?? 0;

function anyValue(value: Fields): unknown {
  if (value.has(1)) return text(value, 1);
  if (value.has(2)) return number(value, 2) === 1;
  if (value.has(3)) return number(value, 3);
  if (value.has(4)) return (value.get(4)![0] as Buffer).readDoubleLE(0);
  if (value.has(5)) return messages(messages(value, 5)[0], 1).map(anyValue);
  return undefined;
}

function protobufAttributes(list: Fields[]): Record<string, unknown> {
  return Object.fromEntries(list.map((keyValue) => [text(keyValue, 1), anyValue(messages(keyValue, 2)[0] ?? new Map())]));
}

function fromProtobuf(body: Buffer): CollectedSpan[] {
  return messages(decode(body), 1).flatMap((resourceSpans) => {
    const resource = messages(resourceSpans, 1)[0];
    const serviceName = resource ? protobufAttributes(messages(resource, 1))['service.name'] : undefined;
    return messages(resourceSpans, 2).flatMap((scopeSpans) =>
      messages(scopeSpans, 2).map((span) => ({
        traceId: hex(span, 1),
        spanId: hex(span, 2),
        parentSpanId: hex(span, 4),
        name: text(span, 5),
        kind: number(span, 6),
        attributes: protobufAttributes(messages(span, 9)),
        statusCode: messages(span, 15)[0] ? number(messages(span, 15)[0], 3) : 0,
        serviceName,
      })),
    );
  });
}
