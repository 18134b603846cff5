/**
 * Rich Authorization Requests (RFC 9396): ask for exactly one payment, typed, and read back what
 * was granted from the token response and introspection.
 *
 * Env: ISSUER, CLIENT_ID, IDENTITY_MODEL_CLIENT_SECRET (a client allowed `payment_initiation`).
 */
import {
  type AuthorizationDetail,
  createAuthorizationRequest,
  getDiscoveryDocument,
  introspectToken,
  requestClientCredentialsToken,
} from 'identity-model'

interface PaymentInitiation extends AuthorizationDetail {
  readonly type: 'payment_initiation'
  readonly instructedAmount: { readonly currency: string; readonly amount: string }
  readonly creditorName: string
}

const issuer = process.env.ISSUER ?? 'http://127.0.0.1:4000'
const clientId = process.env.CLIENT_ID ?? 'rar-client'
const clientSecret = process.env.IDENTITY_MODEL_CLIENT_SECRET
if (!clientSecret) throw new Error('set IDENTITY_MODEL_CLIENT_SECRET')

const payment: PaymentInitiation = {
  type: 'payment_initiation',
  actions: ['initiate'],
  instructedAmount: { currency: 'EUR', amount: '45.00' },
  creditorName: 'Merchant A',
}

const disco = await getDiscoveryDocument({ address: issuer })
if (!disco.isSuccessful) throw new Error(disco.error)

// In a sign-in: the user approves this payment on the consent page.
const signIn = createAuthorizationRequest({
  authorizationEndpoint: disco.authorizationEndpoint ?? `${issuer}/auth`,
  clientId,
  redirectUri: 'https://app.example.com/callback',
  authorizationDetails: [payment],
})
console.log('send the user to', signIn.url)

// Machine to machine: the same details on a client-credentials grant.
const result = await requestClientCredentialsToken({
  address: disco.tokenEndpoint,
  clientId,
  clientSecret,
  resource: 'https://opaque.example.test',
  authorizationDetails: [payment],
})
if (!result.isSuccessful) throw new Error(`${result.error}: ${result.errorDescription ?? ''}`)
const granted = result.token.authorization_details as readonly PaymentInitiation[] | undefined
console.log('granted:', granted?.[0]?.instructedAmount)

const introspection = await introspectToken({
  address: disco.introspectionEndpoint,
  clientId,
  clientSecret,
  token: result.token.access_token,
})
if (introspection.isSuccessful)
  console.log('introspected:', introspection.claims.authorization_details)
