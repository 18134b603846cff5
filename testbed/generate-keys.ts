/**
 * Writes testbed/keys.json: the fixed, TEST-ONLY signing keys of the embedded provider.
 *
 * Run once (`npx tsx testbed/generate-keys.ts`); the output is committed so that the
 * provider starts in ~20 ms instead of generating RSA keys on every start. Pass `--force` to
 * replace existing keys (tokens and fixtures made with the old keys stop verifying).
 */

import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { existsSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { KeysFile, PrivateJwk } from './keys.js'

const target = fileURLToPath(new URL('./keys.json', import.meta.url))

function jwk(privateKey: KeyObject, kid: string, alg: string): PrivateJwk {
  return { ...privateKey.export({ format: 'jwk' }), kid, alg, use: 'sig' } as PrivateJwk
}

const rsa = (kid: string, alg: 'RS256' | 'PS256'): PrivateJwk =>
  jwk(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, kid, alg)
const p256 = (kid: string): PrivateJwk =>
  jwk(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, kid, 'ES256')
const ed25519 = (kid: string): PrivateJwk =>
  jwk(generateKeyPairSync('ed25519').privateKey, kid, 'EdDSA')

if (existsSync(target) && !process.argv.includes('--force')) {
  console.error(`${target} exists; pass --force to replace the fixed test keys`)
  process.exit(1)
}

const file: KeysFile = {
  comment:
    'TEST-ONLY keys for the embedded OpenID Provider testbed. Their private parts are public: ' +
    'never trust them anywhere else. Regenerate with `npx tsx testbed/generate-keys.ts --force`.',
  provider: {
    A: [rsa('rsa-a', 'RS256'), rsa('ps-a', 'PS256'), p256('ec-a'), ed25519('ed-a')],
    B: [rsa('rsa-b', 'RS256')],
  },
  clientKeys: {
    'jwt-client': [rsa('jwt-client-rs256', 'RS256'), p256('jwt-client-es256')],
  },
}

writeFileSync(target, `${JSON.stringify(file, null, 2)}\n`)
console.log(`wrote ${target}`)
