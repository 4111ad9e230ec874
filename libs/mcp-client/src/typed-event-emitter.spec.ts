import { TypedEventEmitter } from './typed-event-emitter.js';

class Emitter extends TypedEventEmitter<{ tick: [n: number]; error: [error: Error] }> {
  fire(n: number): void {
    this.emit('tick', n);
  }
  fail(error: Error): void {
    this.emit('error', error);
  }
}

describe('TypedEventEmitter', () => {
  it('calls on() listeners every time and once() listeners a single time', () => {
    const emitter = new Emitter();
    const seen: string[] = [];
    emitter.on('tick', (n) => seen.push(`on ${n}`)).once('tick', (n) => seen.push(`once ${n}`));
    emitter.fire(1);
    emitter.fire(2);
    expect(seen).toEqual(['on 1', 'once 1', 'on 2']);
  });

  it('off() removes a listener, also one added with once()', () => {
    const emitter = new Emitter();
    const seen: number[] = [];
    const listener = (n: number) => seen.push(n);
    emitter.on('tick', listener).off('tick', listener);
    emitter.once('tick', listener).off('tick', listener);
    emitter.fire(1);
    expect(seen).toEqual([]);
  });

  it('does not throw for an error event nobody listens to', () => {
    expect(() => new Emitter().fail(new Error('unobserved'))).not.toThrow();
  });
});
