/**
 * Shared steps of the FAPI / PAR / JAR / JARM / mTLS tests: the TLS testbed provider, its
 * discovery document, and sign-ins through the provider's pages over HTTPS.
 */
import {
  createTlsFetch,
  type DiscoverySuccess,
  getDiscoveryDocument,
  ProviderCache,
  type TlsClientOptions,
} from '../../src/index.js'
import { FAPI_REDIRECT_URI, type FapiProvider, startFapiProvider } from '../../testbed/fapi.js'
import { UserAgent } from '../support/user-agent.js'

export interface FapiStack {
  readonly op: FapiProvider
  readonly disco: DiscoverySuccess
  /** A fetch that trusts the test CA (no client certificate). */
  readonly caFetch: typeof fetch
  /** The client certificate of `par-tls` / `fapi-mtls`, with the CA. */
  readonly tls: TlsClientOptions
  /** Its own provider cache, so tests never share state with other files. */
  readonly cache: ProviderCache
  readonly mtls: { readonly token: string; readonly par: string }
}

export async function startFapiStack(): Promise<FapiStack> {
  const op = await startFapiProvider()
  try {
    const caFetch = createTlsFetch({ ca: op.certificates.ca })
    const cache = new ProviderCache()
    const disco = await getDiscoveryDocument({ address: op.issuer, fetch: caFetch, cache })
    if (!disco.isSuccessful) throw new Error(`discovery failed: ${disco.error}`)
    const aliases = disco.mtlsEndpointAliases ?? {}
    const { mtlsClient } = op.certificates
    return {
      op,
      disco,
      caFetch,
      cache,
      tls: { cert: mtlsClient.cert, key: mtlsClient.key, ca: op.certificates.ca },
      mtls: {
        token: aliases.token_endpoint ?? '',
        par: aliases.pushed_authorization_request_endpoint ?? '',
      },
    }
  } catch (error) {
    await op.stop()
    throw error
  }
}

/**
 * Follows the provider's pages from `url` (login as `login`, consent) until it redirects to the
 * client's redirect URI, and returns that URL (query or fragment included).
 */
export async function loginThrough(
  stack: FapiStack,
  url: string,
  agent = new UserAgent({ fetch: stack.caFetch }),
  login = 'alice',
): Promise<string> {
  const outcome = await agent.run(url, {
    login,
    leaves: (next) => next.startsWith(FAPI_REDIRECT_URI),
  })
  if (outcome.redirect === undefined) {
    throw new Error(`no redirect to the client: ${outcome.visited.join(' → ')}`)
  }
  return outcome.redirect
}
