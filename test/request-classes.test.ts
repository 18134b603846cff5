/** The request classes carry no behaviour and no own property beyond what was given. */
import { describe, expect, it } from 'vitest'
import {
  AuthorizationCodeTokenRequest,
  ClientCredentialsTokenRequest,
  ClientRegistrationRequest,
  DeviceAuthorizationRequest,
  DeviceTokenRequest,
  DiscoveryDocumentRequest,
  IdTokenValidationConfig,
  JwksRequest,
  RefreshTokenRequest,
  TokenExchangeRequest,
  TokenIntrospectionRequest,
  TokenRevocationRequest,
  TokenValidationConfig,
  UserInfoRequest,
} from '../src/index.js'

describe('request classes', () => {
  it.each([
    ['DiscoveryDocumentRequest', (init: object) => new DiscoveryDocumentRequest(init)],
    ['JwksRequest', (init: object) => new JwksRequest(init)],
    ['ClientCredentialsTokenRequest', (init: object) => new ClientCredentialsTokenRequest(init)],
    ['TokenValidationConfig', (init: object) => new TokenValidationConfig(init as never)],
    ['TokenExchangeRequest', (init: object) => new TokenExchangeRequest(init)],
    ['TokenIntrospectionRequest', (init: object) => new TokenIntrospectionRequest(init)],
    ['TokenRevocationRequest', (init: object) => new TokenRevocationRequest(init)],
    ['ClientRegistrationRequest', (init: object) => new ClientRegistrationRequest(init)],
    ['AuthorizationCodeTokenRequest', (init: object) => new AuthorizationCodeTokenRequest(init)],
    ['RefreshTokenRequest', (init: object) => new RefreshTokenRequest(init)],
    ['DeviceTokenRequest', (init: object) => new DeviceTokenRequest(init)],
    ['DeviceAuthorizationRequest', (init: object) => new DeviceAuthorizationRequest(init)],
    ['UserInfoRequest', (init: object) => new UserInfoRequest(init)],
    ['IdTokenValidationConfig', (init: object) => new IdTokenValidationConfig(init as never)],
  ])('%s has only the given members, so spreading it keeps defaults', (_name, make) => {
    const instance = make({ clientId: 'given' })
    expect(Object.keys(instance)).toEqual(['clientId'])
    const merged = { address: 'https://id.example.com/x', ...instance }
    expect(merged).toEqual({ address: 'https://id.example.com/x', clientId: 'given' })
  })
})
