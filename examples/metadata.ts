/**
 * Server metadata: discovery that falls back to RFC 8414 for an OAuth-only authorization server,
 * and an API's RFC 9728 protected resource metadata, read as a client.
 *
 * Env: ISSUER (an authorization server), RESOURCE (an API serving its metadata).
 */
import { getDiscoveryDocument, getProtectedResourceMetadata } from 'identity-model'

const issuer = process.env.ISSUER ?? 'http://127.0.0.1:4000'
const resource = process.env.RESOURCE ?? 'http://127.0.0.1:3000/orders'

// /.well-known/openid-configuration, else /.well-known/oauth-authorization-server (same issuer).
const disco = await getDiscoveryDocument({ address: issuer })
if (disco.isSuccessful) console.log('token endpoint:', disco.tokenEndpoint)
else console.log('no metadata:', disco.errorType, disco.error)

// /.well-known/oauth-protected-resource/orders; its `resource` must be exactly RESOURCE.
const metadata = await getProtectedResourceMetadata({ resource })
if (metadata.isSuccessful) {
  console.log('authorization servers:', metadata.authorizationServers)
  console.log('scopes:', metadata.scopesSupported)
} else {
  console.log('no usable metadata:', metadata.errorType, metadata.error)
}
