/**
 * The seam between the library's events and the platform's publish/subscribe: `node.ts` over
 * `node:diagnostics_channel` (Node.js, Bun, Deno), `none.ts` elsewhere (Workers, browsers:
 * nothing to publish to, nothing imported). Picked by the package's `imports` conditions
 * (`#diagnostics`), like the crypto backend.
 */

/** A named channel: what `node:diagnostics_channel`'s `channel(name)` returns, reduced. */
export interface EventChannel {
  /** True while someone subscribes: messages are built and published only then. */
  readonly hasSubscribers: boolean
  publish(message: unknown): void
}

/**
 * The channel `#diagnostics` resolves to: what type-checking sees (the `types` condition of the
 * package's `imports` map points here); at run time `node.ts` or `none.ts` provides it.
 */
export declare function eventChannel(name: string): EventChannel
