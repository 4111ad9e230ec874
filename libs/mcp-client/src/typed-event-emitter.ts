type Listener<Args extends unknown[]> = (...args: Args) => void;

/**
 * A minimal typed emitter that runs in Node and browsers alike (Node's EventEmitter is not
 * available in browsers). Unlike Node's, an `error` event without listeners is not thrown.
 */
export class TypedEventEmitter<Events extends { [event: string]: unknown[] }> {
  private readonly listeners = new Map<keyof Events, Set<Listener<never>>>();

  on<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this {
    const set = this.listeners.get(event) ?? new Set();
    set.add(listener as Listener<never>);
    this.listeners.set(event, set);
    return this;
  }

  off<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this {
    this.listeners.get(event)?.delete(listener as Listener<never>);
    return this;
  }

  once<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this {
    const wrapper: Listener<Events[E]> = (...args) => {
      this.off(event, wrapper);
      listener(...args);
    };
    return this.on(event, wrapper);
  }

  protected emit<E extends keyof Events>(event: E, ...args: Events[E]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        (listener as Listener<Events[E]>)(...args);
      } catch (error) {
        // A throwing listener must not break the connection state machine that emitted the event;
        // rethrowing outside it still surfaces the bug.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
