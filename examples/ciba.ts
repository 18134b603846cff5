/**
 * CIBA in poll mode: ask the provider to authenticate a user on their own device, then wait for
 * the answer. (Ping mode: pass `clientNotificationToken`, check the provider's notification with
 * `processBackchannelNotification`, and give `notification` to the poll.)
 *
 * Env: ISSUER, CLIENT_ID, IDENTITY_MODEL_CLIENT_SECRET, LOGIN_HINT.
 */
import {
  getDiscoveryDocument,
  pollBackchannelAuthenticationToken,
  requestBackchannelAuthentication,
  validateIdToken,
} from 'identity-model'

const issuer = process.env.ISSUER ?? 'http://127.0.0.1:4000'
const clientId = process.env.CLIENT_ID ?? 'ciba-poll'
const clientSecret = process.env.IDENTITY_MODEL_CLIENT_SECRET
if (!clientSecret) throw new Error('set IDENTITY_MODEL_CLIENT_SECRET')

const disco = await getDiscoveryDocument({ address: issuer })
if (!disco.isSuccessful) throw new Error(disco.error)

const started = await requestBackchannelAuthentication({
  address: disco.backchannelAuthenticationEndpoint,
  clientId,
  clientSecret,
  loginHint: process.env.LOGIN_HINT ?? 'alice',
  bindingMessage: 'W4SCT',
})
if (!started.isSuccessful) throw new Error(`${started.error}: ${started.errorDescription ?? ''}`)
console.log(`Check your phone for code W4SCT (valid ${started.expiresIn} s)`)

const tokens = await pollBackchannelAuthenticationToken({
  address: disco.tokenEndpoint,
  clientId,
  clientSecret,
  authReqId: started.authReqId,
  interval: started.interval,
  expiresIn: started.expiresIn,
  signal: AbortSignal.timeout(started.expiresIn * 1000 + 5000),
})
if (tokens.isSuccessful) {
  const claims = await validateIdToken(
    tokens.token.id_token ?? '',
    { performDisco: true, clientId, nonce: undefined },
    issuer,
  )
  console.log('approved by', claims.sub)
} else if (tokens.error === 'access_denied') {
  console.log('the user said no')
} else {
  console.log('no answer:', tokens.errorType, tokens.error)
}
