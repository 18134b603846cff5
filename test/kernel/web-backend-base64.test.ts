/**
 * The web backend where the runtime has `Uint8Array.fromBase64` (workerd, Deno, Chromium, Bun;
 * not Node 20): the native decoder is used, but only for input the kernel has checked. Here a
 * stand-in, installed before the backend loads, records its calls; the portable tier runs the
 * real one.
 */
import { generateKeyPairSync, sign } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { CryptoBackend } from '../../src/kernel/backend/types.js'

const calls: string[] = []
let backend: CryptoBackend

beforeAll(async () => {
  // Like the native decoder (ES2026 Uint8Array.fromBase64, base64url alphabet, loose last
  // chunk): skips ASCII whitespace, takes padding, throws on anything else.
  ;(Uint8Array as unknown as { fromBase64: unknown }).fromBase64 = (text: string) => {
    calls.push(text)
    const body = text.replace(/[\t\n\f\r ]/g, '').replace(/={1,2}$/, '')
    if (!/^[A-Za-z0-9_-]*$/.test(body) || body.length % 4 === 1) throw new SyntaxError('bad')
    return new Uint8Array(Buffer.from(body, 'base64url'))
  }
  vi.resetModules()
  backend = (await import('../../src/kernel/backend/web.js')).backend
})

afterAll(() => {
  delete (Uint8Array as unknown as { fromBase64?: unknown }).fromBase64
})

function rsaToken(): { jwk: Record<string, unknown>; input: string; signature: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const input = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from('{"sub":"a"}').toString('base64url')}`
  const signature = sign('sha256', Buffer.from(input), privateKey).toString('base64url')
  return { jwk: publicKey.export({ format: 'jwk' }) as Record<string, unknown>, input, signature }
}

describe('the web backend with a native fromBase64', () => {
  it('decodes checked segments and signatures natively', async () => {
    calls.length = 0
    expect(backend.base64urlToText('eyJzdWIiOiJhIn0')).toBe('{"sub":"a"}')
    const { jwk, input, signature } = rsaToken()
    const key = await backend.importVerifyKey(jwk as never, ['RS256'])
    calls.length = 0
    expect(await backend.verify('RS256', [key], input, signature, false)).toBe(0)
    expect(calls).toEqual([signature])
  })

  it('refuses the padding and whitespace the native decoder would take, and every other stranger', () => {
    expect(backend.base64urlToText('eyJhIjoxfQ')).toBe('{"a":1}')
    for (const text of [
      'eyJhIjoxfQ==',
      'eyJh IjoxfQ',
      'eyJh\tIjoxfQ',
      'eyJhIjoxfQ\n',
      '\feyJhIjoxfQ',
    ]) {
      expect(backend.base64urlToText(text)).toBeUndefined()
      expect(backend.base64urlToBytes(text)).toBeUndefined()
      expect(backend.isDecodableBase64url(text)).toBe(false)
    }
    const valid = 'QUJDREVGR0hJ'
    for (let code = 0; code <= 0xffff; code++) {
      const char = String.fromCharCode(code)
      if (/[A-Za-z0-9_-]/.test(char)) continue
      for (const length of [2, 3, 4, 8]) {
        const text = valid.slice(0, length - 1) + char
        if (backend.isDecodableBase64url(text) || backend.base64urlToBytes(text) !== undefined) {
          expect.fail(`accepted ${JSON.stringify(text)}`)
        }
      }
    }
    expect(backend.isDecodableBase64url('QUJDR')).toBe(false) // a length of 1 modulo 4
    expect(backend.base64urlToBytes('QUJDR')).toBeUndefined()
    expect(backend.isDecodableBase64url('QUJDRA')).toBe(true)
  })

  it('refuses a key member outside the alphabet instead of skipping the odd characters', async () => {
    await expect(
      backend.importVerifyKey({ kty: 'oct', k: 'c2Vj cmV0' } as never, ['HS256']),
    ).rejects.toThrow(/base64url/)
    await expect(
      backend.importVerifyKey({ kty: 'oct', k: 'c2VjcmV0=' } as never, ['HS256']),
    ).rejects.toThrow(/base64url/)
  })

  it('answers -1 for a wrong signature and for a key that cannot verify it, with one key or several', async () => {
    const a = rsaToken()
    const b = rsaToken()
    const keyA = await backend.importVerifyKey(a.jwk as never, ['RS256'])
    const keyB = await backend.importVerifyKey(b.jwk as never, ['RS256'])
    expect(await backend.verify('RS256', [keyB], a.input, a.signature, false)).toBe(-1)
    expect(await backend.verify('RS256', [keyB, keyA], a.input, a.signature, false)).toBe(1)
    expect(await backend.verify('RS256', [keyA, keyB], b.input, b.signature, false)).toBe(1)
    // No handle for the algorithm: not the key, not a crash.
    expect(await backend.verify('PS256', [keyA], a.input, a.signature, false)).toBe(-1)
  })

  it('says so when the runtime has no Web Crypto, instead of "does not verify"', async () => {
    const { jwk, input, signature } = rsaToken()
    const key = await backend.importVerifyKey(jwk as never, ['RS256'])
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'crypto')!
    vi.resetModules()
    const fresh = (await import('../../src/kernel/backend/web.js')).backend
    Object.defineProperty(globalThis, 'crypto', { value: undefined, configurable: true })
    try {
      expect(() => fresh.verify('RS256', [key], input, signature, false)).toThrow(/no Web Crypto/)
    } finally {
      Object.defineProperty(globalThis, 'crypto', descriptor)
    }
  })
})
