import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { fastRouteOf } from './ws-fast-path.js';

const route = (message: object) => fastRouteOf(message as JSONRPCMessage);

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
  ])('leaves %s to the SDK', (_name, message) => {
    expect(route(message)).toBeUndefined();
  });
});
