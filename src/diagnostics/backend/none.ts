/**
 * `#diagnostics` where there is no `node:diagnostics_channel` (Workers, browsers, Edge
 * runtimes): a channel nobody subscribes to, so no message is ever built.
 */
import type { EventChannel } from './types.js'

const SILENT: EventChannel = Object.freeze({ hasSubscribers: false, publish: () => {} })

export function eventChannel(_name: string): EventChannel {
  return SILENT
}
