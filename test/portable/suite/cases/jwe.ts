/**
 * JWE decryption of ID tokens (signed by jose, then encrypted by jose on Node) through
 * `validateIdToken`'s `decryptionKey`, on every runtime's crypto backend: each key-management and
 * content-encryption pair, and the refusals every runtime must give the same way.
 */
import type { IdTokenValidationConfigInit, JsonWebKey } from 'identity-model'
import type { Jwk } from '../context.js'
import { assert, defineCases, equal, rejects } from '../registry.js'
import type { PackageCaseArg } from './support.js'

function config({ ctx }: PackageCaseArg, decryptionKey: Jwk): IdTokenValidationConfigInit {
  const fixture = ctx.jwe
  return {
    performDisco: false,
    key: { keys: [fixture.signingKey as JsonWebKey] },
    issuer: fixture.issuer,
    clientId: fixture.clientId,
    nonce: fixture.nonce,
    decryptionKey: decryptionKey as JsonWebKey,
  }
}

const keyFor = (arg: PackageCaseArg, name: string): Jwk =>
  name.startsWith('RSA') ? arg.ctx.jwe.rsaKey : arg.ctx.jwe.ecKey

export const jweCases = defineCases<PackageCaseArg>('jwe', {
  'decrypts ID tokens for every key management and content encryption': async (arg) => {
    const failed: string[] = []
    for (const [name, token] of Object.entries(arg.ctx.jwe.tokens)) {
      if (name.includes('192') && arg.ctx.runtime === 'chromium') continue
      try {
        const claims = await arg.lib.core.validateIdToken(token, config(arg, keyFor(arg, name)))
        equal(claims.sub, 'user-1', `sub (${name})`)
      } catch (error) {
        failed.push(`${name}: ${error instanceof Error ? error.message : String(error)}`)
      }
    }
    assert(failed.length === 0, `failed: ${failed.join('; ')}`)
  },
  'decrypts 192-bit AES, or (Chromium, which has none) refuses it by name': async (arg) => {
    for (const [name, token] of Object.entries(arg.ctx.jwe.tokens)) {
      if (!name.includes('192')) continue
      const work = arg.lib.core.validateIdToken(token, config(arg, keyFor(arg, name)))
      if (arg.ctx.runtime !== 'chromium') {
        equal((await work).sub, 'user-1', `sub (${name})`)
        continue
      }
      const error = await rejects(
        work,
        { class: arg.lib.core.TokenValidationError, code: 'unsupported_alg' },
        name,
      )
      assert(error.message.includes('192-bit AES'), `${name}: the message names 192-bit AES`)
    }
  },
  'refuses a tampered tag and another key with the same decryption error': async (arg) => {
    const rsa = arg.ctx.jwe.rsaKey
    const tampered = await rejects(
      arg.lib.core.validateIdToken(arg.ctx.jwe.tamperedTag, config(arg, rsa)),
      { class: arg.lib.core.TokenValidationError, code: 'decryption' },
      'decryption',
    )
    const otherKey = await rejects(
      arg.lib.core.validateIdToken(arg.ctx.jwe.otherKey, config(arg, rsa)),
      { class: arg.lib.core.TokenValidationError, code: 'decryption' },
      'decryption',
    )
    equal(tampered.message, otherKey.message, 'the same message (no oracle)')
  },
  'refuses a compressed JWE, and an encrypted ID token without a key': async (arg) => {
    const rsa = arg.ctx.jwe.rsaKey
    await rejects(
      arg.lib.core.validateIdToken(arg.ctx.jwe.zipped, config(arg, rsa)),
      { class: arg.lib.core.TokenValidationError, code: 'malformed' },
      'malformed',
    )
    const { decryptionKey: _none, ...withoutKey } = config(arg, rsa)
    await rejects(
      arg.lib.core.validateIdToken(arg.ctx.jwe.tokens['RSA-OAEP-256 A256GCM']!, withoutKey),
      { class: arg.lib.core.TokenValidationError, code: 'malformed' },
      'malformed',
    )
  },
})
