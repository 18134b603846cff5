import { createHash } from 'node:crypto'
import { compactVerify, decodeJwt, decodeProtectedHeader, EmbeddedJWK } from 'jose'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  createDpop,
  createDpopProof,
  type DpopKeyPair,
  dpopAccessTokenHash,
  generateDpopKeyPair,
} from '../../src/index.js'

const NOW = new Date('2030-01-01T00:00:00Z')
let pair: DpopKeyPair

beforeEach(async () => {
  pair = pair ?? (await generateDpopKeyPair())
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(NOW)
})
afterEach(() => {
  vi.useRealTimers()
})

const sign = (claims: Record<string, unknown>) =>
  createDpopProof({
    privateKey: pair.privateKey,
    publicJwk: pair.publicJwk,
    htm: 'POST',
    htu: 'https://as.example.com/token',
    ...claims,
  })

describe('createDpopProof', () => {
  it('signs typ dpop+jwt with the key alg and only the public jwk', async () => {
    const proof = await sign({})
    const header = decodeProtectedHeader(proof)
    expect(header).toEqual({ alg: 'ES256', typ: 'dpop+jwt', jwk: { ...pair.publicJwk } })
    const verified = await compactVerify(proof, EmbeddedJWK)
    expect(verified.protectedHeader.alg).toBe('ES256')
  })

  it('carries jti, htm, htu and iat; no nonce and no ath unless given', async () => {
    const payload = decodeJwt(await sign({}))
    expect(Object.keys(payload).sort()).toEqual(['htm', 'htu', 'iat', 'jti'])
    expect(payload).toMatchObject({
      htm: 'POST',
      htu: 'https://as.example.com/token',
      iat: NOW.getTime() / 1000,
    })
    expect(payload.jti).toMatch(/^[A-Za-z0-9_-]{22}$/)
  })

  it('uses a fresh jti for every proof', async () => {
    const jtis = new Set<unknown>()
    for (let i = 0; i < 20; i++) jtis.add(decodeJwt(await sign({})).jti)
    expect(jtis.size).toBe(20)
  })

  it('leaves the query and fragment out of htu (RFC 9449 §4.2)', async () => {
    const payload = decodeJwt(await sign({ htu: 'https://API.example.com:443/a/b?x=1#frag' }))
    expect(payload.htu).toBe('https://api.example.com/a/b')
    const fromUrl = decodeJwt(await sign({ htu: new URL('https://api.example.com?q') }))
    expect(fromUrl.htu).toBe('https://api.example.com/')
  })

  it('adds the nonce, and ath = BASE64URL(SHA-256(token)) for a resource request', async () => {
    const payload = decodeJwt(await sign({ nonce: 'n-1', accessToken: 'at.value' }))
    expect(payload.nonce).toBe('n-1')
    expect(payload.ath).toBe(createHash('sha256').update('at.value').digest('base64url'))
    expect(payload.ath).toBe(dpopAccessTokenHash('at.value'))
  })

  it('refuses a bad method, URL, nonce or token with a TypeError', async () => {
    await expect(sign({ htm: 'GE T' })).rejects.toThrow(/htm/)
    await expect(sign({ htu: '/token' })).rejects.toThrow(/htu/)
    await expect(sign({ htu: 'ftp://as.example.com/token' })).rejects.toThrow(/htu/)
    await expect(sign({ nonce: 'has "quote"' })).rejects.toThrow(/nonce/)
    await expect(sign({ accessToken: '' })).rejects.toThrow(/access token/)
    expect(() => dpopAccessTokenHash(undefined as never)).toThrow(TypeError)
  })
})

describe('the DPoP handle', () => {
  it('exposes the public side only', async () => {
    const dpop = await createDpop()
    expect(Object.keys(dpop).sort()).toEqual([
      'alg',
      'nonceFor',
      'proof',
      'publicJwk',
      'rememberNonce',
      'thumbprint',
    ])
    expect(JSON.stringify(dpop)).not.toMatch(/"d"/)
    expect(Object.isFrozen(dpop)).toBe(true)
  })

  it('remembers the latest nonce per origin and puts it in the next proofs', async () => {
    const dpop = await createDpop()
    dpop.rememberNonce('https://as.example.com/token', 'n-1')
    dpop.rememberNonce('https://as.example.com/other', 'n-2')
    expect(dpop.nonceFor('https://as.example.com/anything')).toBe('n-2')
    expect(dpop.nonceFor('https://api.example.com/')).toBeUndefined()
    const proof = await dpop.proof({ htm: 'POST', htu: 'https://as.example.com/token' })
    expect(decodeJwt(proof).nonce).toBe('n-2')
    const other = await dpop.proof({ htm: 'GET', htu: 'https://api.example.com/x' })
    expect(decodeJwt(other).nonce).toBeUndefined()
    const explicit = await dpop.proof({ htm: 'POST', htu: 'https://as.example.com/t', nonce: 'x' })
    expect(decodeJwt(explicit).nonce).toBe('x')
  })

  it('ignores a missing or malformed nonce', async () => {
    const dpop = await createDpop()
    dpop.rememberNonce('https://as.example.com/', 'good')
    dpop.rememberNonce('https://as.example.com/', null)
    dpop.rememberNonce('https://as.example.com/', 'bad "nonce"')
    dpop.rememberNonce('https://as.example.com/', '')
    expect(dpop.nonceFor('https://as.example.com/')).toBe('good')
  })

  it('keeps at most maxNonces origins, dropping the least recently updated', async () => {
    const dpop = await createDpop({ maxNonces: 2 })
    dpop.rememberNonce('https://a.example/', 'a')
    dpop.rememberNonce('https://b.example/', 'b')
    dpop.rememberNonce('https://a.example/', 'a2')
    dpop.rememberNonce('https://c.example/', 'c')
    expect(dpop.nonceFor('https://a.example/')).toBe('a2')
    expect(dpop.nonceFor('https://b.example/')).toBeUndefined()
    expect(dpop.nonceFor('https://c.example/')).toBe('c')
  })

  it('refuses a relative URL for a nonce or a proof', async () => {
    const dpop = await createDpop()
    expect(() => dpop.nonceFor('/token')).toThrow(TypeError)
    await expect(dpop.proof({ htm: 'GET', htu: '/token' })).rejects.toThrow(/htu/)
  })
})
