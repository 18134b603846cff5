/**
 * The `htu` of a DPoP proof (RFC 9449 §4.2, §4.3): the HTTP target URI without query and
 * fragment, compared after RFC 3986 §6.2.2 syntax-based and §6.2.3 scheme-based normalisation.
 */

const PERCENT = /%([0-9A-Fa-f]{2})/g
const UNRESERVED = /[A-Za-z0-9\-._~]/

/**
 * The normalised form of an absolute http(s) URI without its query and fragment, or `undefined`
 * when it is not one. The URL parser lower-cases scheme and host, drops a default port, resolves
 * dot segments and gives an empty path as `/`; percent-encoded unreserved characters are then
 * decoded and the remaining escapes upper-cased.
 *
 * @see RFC 9449 §4.3 (check 9), RFC 3986 §6.2.2, §6.2.3
 */
export function normalizeHtu(value: string | URL): string | undefined {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return undefined
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined
  if (url.username !== '' || url.password !== '') return undefined
  const path = url.pathname.replace(PERCENT, (encoded, hex: string) => {
    const char = String.fromCharCode(Number.parseInt(hex, 16))
    return UNRESERVED.test(char) ? char : encoded.toUpperCase()
  })
  return `${url.origin}${path}`
}
