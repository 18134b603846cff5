/**
 * The Deno crypto backend: node:crypto for everything, except ECDSA signature verification
 * (ES256, ES384, ES512), which goes through Web Crypto. Deno's node:crypto verifies ECDSA at
 * about 0.6x its own `crypto.subtle.verify`, while it is the faster of the two for RSA, EdDSA
 * and HMAC (`npm run bench -- --only=runtimes`; docs/runtimes.md has the figures).
 *
 * A key imported from a JWK gets a Web Crypto handle for its ECDSA algorithms; a key given as a
 * `KeyObject` (imported synchronously) keeps node:crypto handles, and verification follows the
 * handles it finds.
 */
import { backend as node } from './node.js'
import type { CryptoBackend, ImportedKey, VerifyHandle } from './types.js'
import { backend as web } from './web.js'

const ECDSA = new Set(['ES256', 'ES384', 'ES512'])

/** The handles this module made with Web Crypto (the others are node:crypto ones). */
const webHandles = new WeakSet<object>()

type Keys = readonly { readonly handles: ReadonlyMap<string, VerifyHandle> }[]

function isWeb(alg: string, key: Keys[number]): boolean {
  return webHandles.has(key.handles.get(alg) as object)
}

/** Tries the keys one by one, each with the backend that made its handle. */
async function verifyMixed(
  alg: string,
  keys: Keys,
  signingInput: string,
  signature: string,
  pool: boolean,
): Promise<number> {
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!
    const found = await (isWeb(alg, key) ? web : node).verify(
      alg,
      [key],
      signingInput,
      signature,
      pool,
    )
    if (found === 0) return i
  }
  return -1
}

export const backend: CryptoBackend = {
  ...node,

  async importVerifyKey(jwk, algorithms): Promise<ImportedKey> {
    const viaWeb = algorithms.filter((alg) => ECDSA.has(alg))
    const imported = await node.importVerifyKey(jwk, algorithms)
    if (viaWeb.length === 0) return imported
    const subtle = await web.importVerifyKey(jwk, viaWeb)
    const handles = new Map(imported.handles)
    for (const [alg, handle] of subtle.handles) {
      webHandles.add(handle as object)
      handles.set(alg, handle)
    }
    return { ...imported, handles }
  },

  verify(alg, keys, signingInput, signature, pool) {
    if (!ECDSA.has(alg)) return node.verify(alg, keys, signingInput, signature, pool)
    let viaWeb = 0
    for (const key of keys) if (isWeb(alg, key)) viaWeb++
    if (viaWeb === 0) return node.verify(alg, keys, signingInput, signature, pool)
    if (viaWeb === keys.length) return web.verify(alg, keys, signingInput, signature, pool)
    return verifyMixed(alg, keys, signingInput, signature, pool)
  },
}
