import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { errorResponse, fastRouteOf, resultResponse, serializedResultResponse } from './fast-route.js';

const route = (message: unknown) => fastRouteOf(message as JSONRPCMessage);

describe('fastRouteOf: only the exact common shapes leave the SDK', () => {
  it.each([
    ['ping without params', { jsonrpc: '2.0', id: 1, method: 'ping' }, 'ping'],
    ['ping with empty params', { jsonrpc: '2.0', id: 'a', method: 'ping', params: {} }, 'ping'],
    ['tools/list without params', { jsonrpc: '2.0', id: 2, method: 'tools/list' }, 'tools/list'],
    ['tools/list with empty params', { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }, 'tools/list'],
    ['tools/call with a name only', { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 't' } }, 'tools/call'],
    [
      'tools/call with arguments and a progress token',
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 't', arguments: { a: [1] }, _meta: { progressToken: 'p' } } },
      'tools/call',
    ],
    [
      'a cancellation with a reason',
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 3, reason: 'x' } },
      'cancel',
    ],
    ['a cancellation without one', { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'r' } }, 'cancel'],
  ])('takes %s', (_name, message, expected) => {
    expect(route(message)).toBe(expected);
  });

  it.each([
    ['a tools/list cursor', { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { cursor: 'c' } }],
    ['tools/list _meta', { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: {} } }],
    ['ping _meta', { jsonrpc: '2.0', id: 1, method: 'ping', params: { _meta: { progressToken: 1 } } }],
    ['a tools/call without a name', { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { arguments: {} } }],
    ['a tools/call without params', { jsonrpc: '2.0', id: 1, method: 'tools/call' }],
    ['a non-string tool name', { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 7 } }],
    ['array arguments', { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 't', arguments: [1] } }],
    ['null arguments', { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 't', arguments: null } }],
    ['an extra params key (task)', { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 't', task: { ttl: 1 } } }],
    [
      'a 2026 envelope in _meta',
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 't', _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } },
      },
    ],
    ['a fractional progress token', { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 't', _meta: { progressToken: 1.5 } } }],
    ['a fractional id', { jsonrpc: '2.0', id: 1.5, method: 'ping' }],
    ['an id beyond the safe integers', { jsonrpc: '2.0', id: 2 ** 60, method: 'ping' }],
    ['an extra top-level key', { jsonrpc: '2.0', id: 1, method: 'ping', extra: true }],
    ['initialize', { jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }],
    ['server/discover', { jsonrpc: '2.0', id: 1, method: 'server/discover' }],
    ['a cancellation with _meta', { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1, _meta: {} } }],
    ['a cancellation with a numeric reason', { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1, reason: 5 } }],
    ['a cancellation without a request id', { jsonrpc: '2.0', method: 'notifications/cancelled', params: {} }],
    ['another notification', { jsonrpc: '2.0', method: 'notifications/initialized' }],
    ['a response', { jsonrpc: '2.0', id: 1, result: {} }],
    ['another JSON-RPC version', { jsonrpc: '1.0', id: 1, method: 'ping' }],
    ['no JSON-RPC version', { id: 1, method: 'ping' }],
    ['string params', { jsonrpc: '2.0', id: 1, method: 'ping', params: '' }],
    ['array params', { jsonrpc: '2.0', id: 1, method: 'tools/list', params: [] }],
    ['null params', { jsonrpc: '2.0', id: 1, method: 'ping', params: null }],
    ['no body at all (a body that is not JSON)', undefined],
    ['a null body', null],
    ['a batch', [{ jsonrpc: '2.0', id: 1, method: 'ping' }]],
  ])('leaves %s to the SDK', (_name, message) => {
    expect(route(message)).toBeUndefined();
  });
});

describe("fast-path responses: the SDK Protocol's framing", () => {
  it('writes results with the keys in the order the SDK writes them', () => {
    expect(JSON.stringify(resultResponse(7, {}))).toBe('{"result":{},"jsonrpc":"2.0","id":7}');
    expect(serializedResultResponse('a', '{"tools":[]}')).toBe('{"result":{"tools":[]},"jsonrpc":"2.0","id":"a"}');
  });

  it('maps a thrown error as the 2025 codec does: -32002 becomes -32602, data kept, anything else internal', () => {
    expect(errorResponse(1, { code: -32002, message: 'gone', data: { x: 1 } })).toEqual({
      jsonrpc: '2.0',
      id: 1,
      error: { code: -32602, message: 'gone', data: { x: 1 } },
    });
    expect(JSON.stringify(errorResponse(2, 'boom'))).toBe('{"jsonrpc":"2.0","id":2,"error":{"code":-32603,"message":"Internal error"}}');
  });
});
