/**
 * Signing in on a device without a browser (a CLI, a TV): the device flow (RFC 8628).
 *
 *   ISSUER=http://127.0.0.1:4000 CLIENT_ID=public-app npx tsx examples/device-flow.ts
 *
 * Ctrl-C stops the polling (an AbortSignal).
 */
import {
  type DiscoverySuccess,
  getDiscoveryDocument,
  pollDeviceToken,
  requestDeviceAuthorization,
  validateIdToken,
} from 'identity-model'

const issuer = process.env.ISSUER ?? 'http://127.0.0.1:4000'
const clientId = process.env.CLIENT_ID ?? 'public-app'

const discovery = await getDiscoveryDocument({ address: issuer })
if (!discovery.isSuccessful) throw new Error(`discovery failed: ${discovery.error}`)
const disco: DiscoverySuccess = discovery

const device = await requestDeviceAuthorization({
  address: disco.deviceAuthorizationEndpoint,
  clientId,
  scope: 'openid profile offline_access',
})
if (!device.isSuccessful) throw new Error(`device authorization failed: ${device.error}`)

console.log(`On your phone or computer, open ${device.verificationUri}`)
console.log(`and enter the code ${device.userCode}`)
if (device.verificationUriComplete) console.log(`(or open ${device.verificationUriComplete})`)

const controller = new AbortController()
process.once('SIGINT', () => controller.abort(new Error('cancelled')))

const tokens = await pollDeviceToken({
  address: disco.tokenEndpoint,
  clientId,
  deviceCode: device.deviceCode,
  interval: device.interval, // slow_down is handled for you
  expiresIn: device.expiresIn,
  signal: controller.signal,
})
if (!tokens.isSuccessful) {
  // access_denied: the user said no; expired_token or a timeout: start again.
  console.error(`sign-in failed: ${tokens.error}`)
  process.exit(1)
}

// A device-flow ID token answers no authorization request: there is no nonce to check.
const claims = await validateIdToken(
  tokens.token.id_token ?? '',
  { performDisco: true, clientId, nonce: undefined },
  issuer,
)
console.log(
  `signed in as ${claims.sub}; refresh token: ${tokens.token.refresh_token ? 'yes' : 'no'}`,
)
