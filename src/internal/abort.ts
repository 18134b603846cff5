/** Races a shared promise against one caller's signal, without cancelling it for the others. */
export function raceSignal<T>(
  promise: Promise<T> | T,
  signal: AbortSignal | undefined,
): Promise<T> | T {
  if (!signal) return promise
  if (signal.aborted) return Promise.reject(signal.reason)
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
