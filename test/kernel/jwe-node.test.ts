/** JWE decryption over the Node.js crypto backend (node:crypto). */
import { describe } from 'vitest'
import { jweCases } from './jwe-cases.js'

describe('JWE decryption (node:crypto backend)', () => {
  jweCases(() => import('../../src/kernel/jwe.js'))
})
