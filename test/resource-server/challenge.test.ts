/**
 * The refusals of the resource-server core (RFC 6750 §3, RFC 9449 §7): status, body and
 * challenge for each kind of failure, fixed descriptions only, and quoting.
 */
import { describe, expect, it } from 'vitest'
import {
  ConfigurationError,
  IdentityModelError,
  ProviderUnavailableError,
  TokenValidationError,
} from '../../src/index.js'
import { createDpopRefuser, createRefuser, quotable } from '../../src/resource-server/challenge.js'

const refuser = createRefuser({ realm: 'api' })
const invalid = (code: string, claim?: string) =>
  refuser.forError(
    new TokenValidationError(code as never, 'detail', claim === undefined ? undefined : { claim }),
  )

describe('forError', () => {
  it('answers a bad token with 401 invalid_token and a fixed description per code', () => {
    const cases: [string, string | undefined, string][] = [
      ['malformed', undefined, 'The token is malformed'],
      ['alg_none', undefined, 'The token algorithm is not accepted'],
      ['unsupported_alg', undefined, 'The token algorithm is not accepted'],
      ['signature', undefined, 'The token signature is invalid'],
      ['key_not_found', undefined, 'The token signing key is unknown'],
      ['key_conversion', undefined, 'The signing key cannot be used'],
      ['claim_validation', 'exp', 'The token has expired'],
      ['claim_validation', 'iat', 'The token issue time is invalid'],
      ['claim_validation', 'sub', 'The token subject is not accepted'],
      ['claim_validation', 'token_type', 'The token is not a bearer access token'],
      ['claim_validation', 'tenant', 'The token failed the tenant claim check'],
      ['claim_validation', undefined, 'The token failed a claim check'],
    ]
    for (const [code, claim, description] of cases) {
      const answer = invalid(code, claim)
      expect(answer).toMatchObject({
        ok: false,
        status: 401,
        body: { error: 'invalid_token', error_description: description },
      })
      expect(answer.headers['www-authenticate']).toBe(
        `Bearer realm="api", error="invalid_token", error_description="${description}"`,
      )
      expect((answer.cause as TokenValidationError).code).toBe(code)
    }
  })

  it('answers 503 when the provider is unavailable, 500 for configuration and the unexpected', () => {
    const unavailable = new ProviderUnavailableError('down')
    expect(refuser.forError(unavailable)).toEqual({
      ok: false,
      status: 503,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      body: {
        error: 'temporarily_unavailable',
        error_description: 'The identity provider is unavailable',
      },
      cause: unavailable,
    })
    for (const error of [
      new ConfigurationError('no audience'),
      new IdentityModelError('token_unavailable' as never, 'x'),
    ]) {
      expect(refuser.forError(error)).toMatchObject({
        status: 500,
        body: { error: 'server_error', error_description: 'Token validation is misconfigured' },
        cause: error,
      })
    }
    const bug = new RangeError('bug')
    const answer = refuser.forError(bug)
    expect(answer).toMatchObject({
      status: 500,
      body: { error: 'server_error', error_description: 'Token validation failed unexpectedly' },
      cause: bug,
    })
    expect(answer.headers).not.toHaveProperty('www-authenticate')
  })
})

describe('challenges', () => {
  it('names the scopes needed, only when there are some', () => {
    expect(
      refuser.insufficientScope('The token lacks a required scope', ['a', 'b']).headers[
        'www-authenticate'
      ],
    ).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="The token lacks a required scope", scope="a b"',
    )
    expect(refuser.insufficientScope('x', []).headers['www-authenticate']).not.toContain('scope=')
    expect(refuser.insufficientScope('x').headers['www-authenticate']).not.toContain('scope=')
    expect(refuser.insufficientScope('x', ['a']).status).toBe(403)
  })

  it('leaves a refusal without cause without one, and keeps a given cause', () => {
    expect(refuser.invalidRequest('bad')).not.toHaveProperty('cause')
    const cause = new Error('why')
    expect(refuser.invalidToken('bad', cause).cause).toBe(cause)
  })

  it('adds the DPoP challenge with its algorithms, and refuses a DPoP refuser without DPoP', () => {
    const dpop = createDpopRefuser({ dpop: { algs: ['ES256', 'EdDSA'], required: false } })
    expect(dpop.missing.headers['www-authenticate']).toBe('Bearer, DPoP algs="ES256 EdDSA"')
    expect(dpop.invalidDpopProof('bad proof').headers['www-authenticate']).toBe(
      'Bearer, DPoP error="invalid_dpop_proof", error_description="bad proof", algs="ES256 EdDSA"',
    )
    expect(() => createDpopRefuser({})).toThrow(
      new TypeError('createDpopRefuser needs settings.dpop'),
    )
  })

  it('quotes by dropping what a quoted-string cannot hold', () => {
    expect(quotable('a"b\\c\nd\u00e9e ok!')).toBe('abcde ok!')
    expect(createRefuser({ realm: 'x"y' }).missing.headers['www-authenticate']).toBe(
      'Bearer realm="xy"',
    )
  })
})
