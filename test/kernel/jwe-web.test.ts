/** JWE decryption over the Web Crypto backend (crypto.subtle), as Workers and browsers run it. */
import { describe, vi } from 'vitest'
import { jweCases } from './jwe-cases.js'

vi.mock('#crypto-backend', () => import('../../src/kernel/backend/web.js'))

describe('JWE decryption (Web Crypto backend)', () => {
  jweCases(async () => {
    const { backend } = await import('#crypto-backend')
    if (backend.name !== 'web') throw new Error('the Web Crypto backend is not in use')
    return import('../../src/kernel/jwe.js')
  })
})
