/**
 * Waits `ms` milliseconds; rejects with the signal's reason as soon as it aborts. With `unref`
 * (work nobody awaits, such as a background refresh), the timer does not keep a Node.js or Bun
 * process alive.
 */
export function sleep(ms: number, signal?: AbortSignal, unref = false): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason)
      return
    }
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    if (unref) (timer as { unref?: () => void }).unref?.()
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
