/**
 * A value from an untrusted token, made safe to put in an error message: quoted, control
 * characters escaped, and cut to a readable length (a forged header can hold anything).
 */
export function quote(value: unknown, max = 64): string {
  const text = typeof value === 'string' ? value : String(value)
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}...` : text)
}

/**
 * Like {@link quote}, without the quotes: control characters escaped and cut to a readable length,
 * for values that read better bare (an issuer URL in a sentence).
 */
export function clip(value: unknown, max = 200): string {
  return quote(value, max).slice(1, -1)
}
