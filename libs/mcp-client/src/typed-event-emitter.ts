type Listener<Args extends unknown[]> = (...args: Args) => void;
/** A once() wrapper remembers its listener so off(listener) removes it too. */
type OnceWrapper<Args extends unknown[]> = Listener<Args> & { listener: Listener<Args> };

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
    const set = this.listeners.get(event);
    for (const registered of set ?? []) {
      if (registered === listener || (registered as Partial<OnceWrapper<Events[E]>>).listener === listener) set!.delete(registered);
    }
    return this;
  }

  once<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this {
    const wrapper: OnceWrapper<Events[E]> = Object.assign(
      (...args: Events[E]) => {
        this.off(event, wrapper);
        listener(...args);
      },
      { listener },
    );
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
