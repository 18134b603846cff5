/**
 * Rich Authorization Requests (RFC 9396) against the real provider, which accepts the
 * `payment_initiation` type: details through the authorization request (the consent page grants
 * them), the code exchange, the refresh, client credentials, and introspection; details the
 * provider's type validation refuses come back as `invalid_authorization_details`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type AuthorizationDetail,
  type DiscoverySuccess,
  getDiscoveryDocument,
  introspectToken,
  requestClientCredentialsToken,
  requestRefreshToken,
} from '../../src/index.js'
import { clients, resources, startProvider, type TestProvider } from '../../testbed/provider.js'
import { PAYMENT_INITIATION, standardsClients, standardsProfile } from '../../testbed/standards.js'
import { REDIRECT_URI, signIn } from '../support/sign-in.js'

interface PaymentInitiation extends AuthorizationDetail {
  readonly type: typeof PAYMENT_INITIATION
  readonly instructedAmount: { readonly currency: string; readonly amount: string }
  readonly creditorName: string
}

const payment: PaymentInitiation = {
  type: PAYMENT_INITIATION,
  actions: ['initiate'],
  instructedAmount: { currency: 'EUR', amount: '45.00' },
  creditorName: 'Merchant A',
}

let op: TestProvider
let disco: DiscoverySuccess
const client = standardsClients.rar

beforeAll(async () => {
  op = await startProvider({
    ...standardsProfile({ redirectUris: [REDIRECT_URI] }).options,
    redirectUris: [REDIRECT_URI],
  })
  const result = await getDiscoveryDocument({ address: op.issuer, cache: false })
  if (!result.isSuccessful) throw new Error(result.error)
  disco = result
})
afterAll(async () => {
  await op?.stop()
})

const introspect = (token: string) =>
  introspectToken({
    address: disco.introspectionEndpoint,
    ...clients.serviceBasic,
    token,
  })

describe('authorization_details', () => {
  it('travels through client credentials and introspection, typed', async () => {
    const result = await requestClientCredentialsToken({
      address: disco.tokenEndpoint,
      ...client,
      resource: resources.opaque,
      authorizationDetails: [payment],
    })
    if (!result.isSuccessful) throw new Error(`${result.error}: ${result.errorDescription}`)
    const granted = result.token.authorization_details as readonly PaymentInitiation[]
    expect(granted).toEqual([payment])
    expect(granted[0]!.instructedAmount.amount).toBe('45.00')
    const introspection = await introspect(result.token.access_token)
    if (!introspection.isSuccessful) throw new Error(introspection.error)
    expect(introspection.claims.authorization_details).toEqual([payment])
  })

  it('are refused as invalid_authorization_details when the type says no', async () => {
    const { creditorName: _dropped, ...incomplete } = payment
    const result = await requestClientCredentialsToken({
      address: disco.tokenEndpoint,
      ...client,
      resource: resources.opaque,
      authorizationDetails: [incomplete as AuthorizationDetail],
    })
    expect(result).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_authorization_details',
    })
  })

  it('travel through the authorization request, the code exchange and the refresh', async () => {
    const signedIn = await signIn(disco, client, {
      request: {
        scope: 'openid offline_access',
        authorizationDetails: [payment],
        resource: resources.opaque,
        prompt: 'consent',
      },
    })
    expect(signedIn.tokens.authorization_details).toEqual([payment])
    const refreshed = await requestRefreshToken({
      address: disco.tokenEndpoint,
      ...client,
      refreshToken: signedIn.tokens.refresh_token!,
      resource: resources.opaque,
    })
    if (!refreshed.isSuccessful)
      throw new Error(`${refreshed.error}: ${refreshed.errorDescription}`)
    expect(refreshed.token.authorization_details).toEqual([payment])
    const introspection = await introspect(refreshed.token.access_token)
    expect(introspection.claims?.authorization_details).toEqual([payment])
  })

  it('are checked before they are sent', () => {
    expect(() =>
      requestClientCredentialsToken({
        address: disco.tokenEndpoint,
        ...client,
        authorizationDetails: [{ actions: ['x'] } as unknown as AuthorizationDetail],
      }),
    ).toThrow(TypeError)
  })
})
