/** Readable output: aligned key/value lines and relative times. */

/** `name  value` lines, names padded to one column; `undefined` values are left out. */
export function table(rows: readonly (readonly [string, unknown])[]): string {
  const present = rows.filter(([, value]) => value !== undefined)
  const width = Math.max(0, ...present.map(([name]) => name.length))
  return present.map(([name, value]) => `${name.padEnd(width)}  ${show(value)}`).join('\n')
}

function show(value: unknown): string {
  if (typeof value === 'string') return value
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
    return value.join(' ')
  }
  return JSON.stringify(value)
}

/** `42 s`, `9 min 58 s`, `2 h 5 min`, `3 d 4 h`. */
export function duration(seconds: number): string {
  const s = Math.round(Math.abs(seconds))
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`
  if (s < 86_400) {
    const minutes = Math.floor((s % 3600) / 60)
    return `${Math.floor(s / 3600)} h${minutes ? ` ${minutes} min` : ''}`
  }
  const hours = Math.floor((s % 86_400) / 3600)
  return `${Math.floor(s / 86_400)} d${hours ? ` ${hours} h` : ''}`
}

/** An epoch-seconds claim as `2024-05-01T10:00:00.000Z (in 9 min 58 s)` or `(42 s ago)`. */
export function when(seconds: unknown, now: number = Date.now() / 1000): string | undefined {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return undefined
  const date = new Date(seconds * 1000)
  const iso = Number.isNaN(date.getTime()) ? String(seconds) : date.toISOString()
  const delta = seconds - now
  return `${iso} (${delta >= 0 ? `in ${duration(delta)}` : `${duration(delta)} ago`})`
}

/** The time claims of a token, annotated. */
export function timeRows(
  claims: Readonly<Record<string, unknown>>,
  now?: number,
): [string, string | undefined][] {
  return (['iat', 'nbf', 'exp'] as const).map((name) => [name, when(claims[name], now)])
}
