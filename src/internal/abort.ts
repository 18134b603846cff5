/**
 * Races a promise against a signal: rejects with the signal's reason once it aborts (at once when
 * it already has), without cancelling the promise itself (others may share it).
 */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T>
export function raceSignal<T>(
  promise: Promise<T> | T,
  signal: AbortSignal | undefined,
): Promise<T> | T
export function raceSignal<T>(
  promise: Promise<T> | T,
  signal: AbortSignal | undefined,
): Promise<T> | T {
  if (!signal) return promise
  if (signal.aborted) {
    // Nobody will read the promise's outcome now: keep a rejection from going unhandled.
    if (promise instanceof Promise) promise.catch(() => {})
    return Promise.reject(signal.reason)
  }
  if (!(promise instanceof Promise)) return promise
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}
