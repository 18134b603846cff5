/**
 * The Deno backend (node:crypto, with ECDSA verification through Web Crypto), run here on Node,
 * which has both: which path each key takes, and the same answers either way. The portable tier
 * runs it on Deno itself.
 */
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { backend } from '../../src/kernel/backend/deno.js'
import { backend as node } from '../../src/kernel/backend/node.js'

function signed(alg: 'ES256' | 'RS256', privateKey: KeyObject): [string, string] {
  const input = `${Buffer.from(JSON.stringify({ alg })).toString('base64url')}.${Buffer.from('{"sub":"a"}').toString('base64url')}`
  const signature =
    alg === 'ES256'
      ? sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' })
      : sign('sha256', Buffer.from(input), privateKey)
  return [input, signature.toString('base64url')]
}

function ecPair() {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' })
}

function jwkOf(key: KeyObject) {
  return key.export({ format: 'jwk' }) as { kty: string; crv?: string; x?: string; y?: string }
}

describe('the deno crypto backend', () => {
  it('verifies ES256 through Web Crypto: a promise, the right key found, a wrong one refused', async () => {
    const [a, b] = [ecPair(), ecPair()]
    const keys = [
      await backend.importVerifyKey(jwkOf(a.publicKey), ['ES256']),
      await backend.importVerifyKey(jwkOf(b.publicKey), ['ES256']),
    ]
    const [input, signature] = signed('ES256', b.privateKey)
    const found = backend.verify('ES256', keys, input, signature, false)
    expect(found).toBeInstanceOf(Promise)
    expect(await found).toBe(1)
    const forged = `${signature.slice(0, -4)}AAAA`
    expect(await backend.verify('ES256', keys, input, forged, false)).toBe(-1)
    expect(await backend.verify('ES256', keys.slice(0, 1), input, signature, false)).toBe(-1)
  })

  it('keeps node:crypto (synchronous) for RS256 and for a KeyObject given as is', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const rsaKey = await backend.importVerifyKey(jwkOf(rsa.publicKey), ['RS256'])
    const [rsInput, rsSignature] = signed('RS256', rsa.privateKey)
    expect(backend.verify('RS256', [rsaKey], rsInput, rsSignature, false)).toBe(0)

    const ec = ecPair()
    const fromKeyObject = backend.importKeyObject(ec.publicKey, () => ['ES256'])
    const [input, signature] = signed('ES256', ec.privateKey)
    expect(backend.verify('ES256', [fromKeyObject], input, signature, false)).toBe(0)
  })

  it('tries a mixed candidate list key by key, each with its own backend', async () => {
    const [a, b] = [ecPair(), ecPair()]
    const keys = [
      backend.importKeyObject(a.publicKey, () => ['ES256']),
      await backend.importVerifyKey(jwkOf(b.publicKey), ['ES256']),
    ]
    for (const [index, pair] of [a, b].entries()) {
      const [input, signature] = signed('ES256', pair.privateKey)
      expect(await backend.verify('ES256', keys, input, signature, false)).toBe(index)
    }
    const [input, signature] = signed('ES256', ecPair().privateKey)
    expect(await backend.verify('ES256', keys, input, signature, false)).toBe(-1)
  })

  it('imports the same key facts as the node backend', async () => {
    const ec = ecPair()
    const ours = await backend.importVerifyKey(jwkOf(ec.publicKey), ['ES256'])
    const theirs = await node.importVerifyKey(jwkOf(ec.publicKey), ['ES256'])
    expect({ ...ours, handles: undefined }).toEqual({ ...theirs, handles: undefined })
    expect([...ours.handles.keys()]).toEqual(['ES256'])
  })
})
