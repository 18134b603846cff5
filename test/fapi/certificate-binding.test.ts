/**
 * The framework-free certificate-binding check (RFC 8705 §3) and the proxy-header parser, on
 * fixtures: a DER certificate made once with node:crypto's X509 parser from the testbed CA.
 */
import { describe, expect, it } from 'vitest'
import type { Claims } from '../../src/index.js'
import {
  certificateFromHeader,
  certificateThumbprint,
  checkCertificateBinding,
  resolveMtls,
} from '../../src/resource-server/certificate-binding.js'
import { createTestCertificates } from '../../testbed/certificates.js'

const certificates = await createTestCertificates()
const client = await certificates.client('unit-client')
await certificates.remove()
const der = new Uint8Array(client.der)
const bound = { sub: 'x', cnf: { 'x5t#S256': client.thumbprint } }

describe('certificateFromHeader', () => {
  it('reads RFC 9440, URL-encoded PEM, PEM and base64 DER', () => {
    const base64 = client.der.toString('base64')
    for (const value of [
      `:${base64}:`,
      encodeURIComponent(client.cert),
      client.cert.replace(/\n/g, ' '),
      base64,
    ]) {
      expect(certificateThumbprint(certificateFromHeader(value)!)).toBe(client.thumbprint)
    }
  })

  it('gives nothing for missing, repeated, oversized or garbage values', () => {
    for (const value of [undefined, '', ['a', 'b'], 'x'.repeat(20_000), '%E0%A4%A', '::', '***']) {
      expect(certificateFromHeader(value as string | undefined)).toBeUndefined()
    }
  })
})

describe('checkCertificateBinding', () => {
  const on = resolveMtls(true)

  it('passes an unbound token whatever the connection', () => {
    expect(() => checkCertificateBinding({ sub: 'x' }, undefined, undefined)).not.toThrow()
    expect(() => checkCertificateBinding({ sub: 'x', cnf: { jkt: 'k' } }, der, on)).not.toThrow()
  })

  it('passes a bound token with its certificate (DER or PEM)', () => {
    expect(() => checkCertificateBinding(bound, der, on)).not.toThrow()
    expect(() => checkCertificateBinding(bound, client.cert, on)).not.toThrow()
  })

  it('refuses it with mtls off, no certificate, another one, or a malformed cnf', () => {
    const cases: Array<[Claims, Uint8Array | string | undefined, typeof on]> = [
      [bound, der, undefined],
      [bound, undefined, on],
      [bound, new Uint8Array([1, 2, 3]), on],
      [bound, 'not a certificate', on],
      [{ cnf: { 'x5t#S256': 42 } }, der, on],
    ]
    for (const [claims, certificate, mtls] of cases) {
      expect(() => checkCertificateBinding(claims, certificate, mtls)).toThrow(
        expect.objectContaining({ code: 'claim_validation', claim: 'x5t#S256' }),
      )
    }
  })

  it('resolveMtls takes true or a header name, nothing else', () => {
    expect(resolveMtls(undefined)).toBeUndefined()
    expect(resolveMtls(false)).toBeUndefined()
    expect(resolveMtls({ certificateHeader: 'X-Client-Cert' })).toEqual({ header: 'x-client-cert' })
    expect(() => resolveMtls({ certificateHeader: 'bad header:' })).toThrow(TypeError)
  })
})
