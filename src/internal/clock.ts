/** The current time in seconds since the epoch; `now` lets tests and spec vectors freeze it. */
export type Clock = () => number

export const systemClock: Clock = () => Date.now()

export function epochSeconds(ms: number): number {
  return Math.floor(ms / 1000)
}
