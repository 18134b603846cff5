/** `#diagnostics` on Node.js (and Bun, Deno): `node:diagnostics_channel`. */
import { channel } from 'node:diagnostics_channel'
import type { EventChannel } from './types.js'

export function eventChannel(name: string): EventChannel {
  return channel(name)
}
