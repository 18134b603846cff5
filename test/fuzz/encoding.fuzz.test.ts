/**
 * base64url (RFC 4648 §5) as the kernel reads it from tokens, on both crypto backends' codecs,
 * and the kernel's own SHA-2 (the synchronous digest of the Web Crypto backend) against
 * node:crypto.
 */
import { createHash, createHmac } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { backend as nodeBackend } from '../../src/kernel/backend/node.js'
import type { CryptoBackend } from '../../src/kernel/backend/types.js'
import { backend as webBackend } from '../../src/kernel/backend/web.js'
import {
  decodeBase64url,
  decodeBase64urlText,
  decodedLength,
  encodeBase64,
  encodeBase64url,
  isBase64url,
  isCanonicalBase64url,
} from '../../src/kernel/encoding.js'
import { hmacSha2, sha2 } from '../../src/kernel/sha2.js'
import { anyString, BASE64URL_ALPHABET, runs, stringOf } from './settings.js'

const bytes = fc.uint8Array({ maxLength: 300 })

describe('base64url', () => {
  it('round-trips any bytes, canonically, with the length decodedLength predicts', () => {
    fc.assert(
      fc.property(bytes, (data) => {
        const text = encodeBase64url(data)
        expect(isBase64url(text)).toBe(true)
        expect(isCanonicalBase64url(text)).toBe(true)
        expect(decodedLength(text)).toBe(data.length)
        expect(Buffer.from(decodeBase64url(text)!)).toEqual(Buffer.from(data))
        expect(text).toBe(Buffer.from(data).toString('base64url'))
        expect(encodeBase64(data)).toBe(Buffer.from(data).toString('base64'))
      }),
      runs(1000),
    )
  })

  it('decodes nothing outside the alphabet or of an impossible length, and never throws', () => {
    fc.assert(
      fc.property(fc.oneof(anyString(200), stringOf(`${BASE64URL_ALPHABET}=+/ .`, 200)), (text) => {
        const decoded = decodeBase64url(text)
        const valid = /^[A-Za-z0-9_-]*$/.test(text) && text.length % 4 !== 1
        expect(decoded !== undefined).toBe(valid)
        expect(decodeBase64urlText(text) !== undefined).toBe(valid)
      }),
      runs(1000),
    )
  })

  it('has exactly one canonical spelling per byte string: re-encoding gives it back', () => {
    fc.assert(
      fc.property(stringOf(BASE64URL_ALPHABET, 120), (text) => {
        const decoded = decodeBase64url(text)
        if (decoded === undefined) return
        expect(isCanonicalBase64url(text)).toBe(encodeBase64url(decoded) === text)
      }),
      runs(2000),
    )
  })

  it('decodes the same bytes with the Web Crypto backend codec', () => {
    fc.assert(
      fc.property(bytes, (data) => {
        const text = encodeBase64url(data)
        expect(Buffer.from(webBackend.base64urlToBytes(text)!)).toEqual(Buffer.from(data))
        expect(webBackend.bytesToBase64url(data)).toBe(text)
      }),
      runs(500),
    )
  })
})

/** What both backends' strict base64url must say: the alphabet, and a decodable length. */
const ALPHABET_ONLY = /^[A-Za-z0-9_-]*$/

describe.each([
  ['node', nodeBackend],
  ['web', webBackend],
] as const)('strict base64url, %s backend', (_name, backend: CryptoBackend) => {
  function agrees(text: string): void {
    const alphabet = ALPHABET_ONLY.test(text)
    const decodable = alphabet && text.length % 4 !== 1
    expect(backend.isDecodableBase64url(text)).toBe(decodable)
    // The kernel's alphabet check: the backend's, and the regular expression for 1 modulo 4.
    expect(isBase64url(text)).toBe(alphabet)
    const bytes = backend.base64urlToBytes(text)
    expect(bytes !== undefined).toBe(decodable)
    expect(backend.base64urlToText(text) !== undefined).toBe(decodable)
    if (bytes !== undefined) expect(Buffer.from(bytes)).toEqual(Buffer.from(text, 'base64url'))
  }

  it('refuses every UTF-16 code unit outside the alphabet, at every place of short texts', () => {
    // Node's decoder skips such characters (or stops at "="), and reads "+" and "/" as base64:
    // the Node backend relies on the byte count and on the ASCII check, so try them all.
    const valid = 'QUJDREVGR0hJ'
    for (let code = 0; code <= 0xffff; code++) {
      const char = String.fromCharCode(code)
      if (ALPHABET_ONLY.test(char)) continue
      for (let length = 1; length <= 9; length++) {
        for (const at of new Set([0, length >> 1, length - 1])) {
          const base = valid.slice(0, length - 1)
          const text = base.slice(0, at) + char + base.slice(at)
          if (backend.isDecodableBase64url(text) || backend.base64urlToBytes(text) !== undefined) {
            expect.fail(`accepted ${JSON.stringify(text)}`)
          }
        }
      }
    }
  })

  it('agrees with the alphabet on any string, near-miss alphabets and long texts included', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          anyString(200),
          stringOf(`${BASE64URL_ALPHABET}=+/ .`, 200),
          stringOf(BASE64URL_ALPHABET, 200),
          fc.tuple(stringOf(BASE64URL_ALPHABET, 30_000), anyString(3)).map(([a, b]) => a + b),
        ),
        agrees,
      ),
      runs(1000),
    )
  })

  it('decodes text longer than its scratch space, and text again after it', () => {
    const long = Buffer.alloc(40_000, 0x61).toString('base64url')
    expect(backend.base64urlToText(long)).toBe('a'.repeat(40_000))
    expect(backend.base64urlToText('eyJhIjoxfQ')).toBe('{"a":1}')
    expect(backend.isDecodableBase64url(`${long}!`)).toBe(false)
    expect(backend.isDecodableBase64url(long)).toBe(true)
  })
})

describe("the kernel's SHA-2 (Web Crypto backend) equals node:crypto", () => {
  const hashes = fc.constantFrom('SHA-256', 'SHA-384', 'SHA-512' as const)
  const node = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' } as const
  // Lengths around the block and padding boundaries (55/56/64, 111/112/128) matter most.
  const data = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.nat({ max: 260 }).map((n) => new Uint8Array(n).fill(0x61)),
  )

  it('digests', () => {
    fc.assert(
      fc.property(hashes, data, (hash, input) => {
        const expected = createHash(node[hash]).update(input).digest('hex')
        expect(Buffer.from(sha2(hash, input)).toString('hex')).toBe(expected)
      }),
      runs(600),
    )
  })

  it('digests strings as UTF-8', () => {
    fc.assert(
      fc.property(hashes, fc.string({ unit: 'grapheme', maxLength: 100 }), (hash, text) => {
        const expected = createHash(node[hash]).update(text, 'utf8').digest('hex')
        expect(Buffer.from(sha2(hash, text)).toString('hex')).toBe(expected)
      }),
      runs(300),
    )
  })

  it('HMACs, with keys shorter and longer than a block', () => {
    fc.assert(
      fc.property(hashes, fc.uint8Array({ maxLength: 200 }), data, (hash, key, input) => {
        const expected = createHmac(node[hash], key).update(input).digest('hex')
        expect(Buffer.from(hmacSha2(hash, key, input)).toString('hex')).toBe(expected)
      }),
      runs(400),
    )
  })
})
