/**
 * Key and JOSE types the public API uses, defined here so that they mean the same on every
 * runtime and need neither the DOM library nor `@types/node` to type-check.
 */

/** A JSON Web Key (RFC 7517 §4) as it appears on the wire. */
export interface JsonWebKey {
  readonly kty: string
  readonly kid?: string
  readonly use?: string
  readonly key_ops?: readonly string[]
  readonly alg?: string
  readonly crv?: string
  readonly [member: string]: unknown
}

/** A JWK Set (RFC 7517 §5). */
export interface JsonWebKeySet {
  readonly keys: readonly JsonWebKey[]
}

/**
 * A Node.js `KeyObject` (from `node:crypto`). Accepted on Node.js (and Bun and Deno, which
 * implement it); other runtimes have no such type and take a JWK or a `CryptoKey` instead.
 */
export interface KeyObject {
  readonly type: string
  readonly asymmetricKeyType?: string | undefined
  export(options?: unknown): unknown
}

/** The structural shape of a Web Crypto `CryptoKey`, for hosts whose type cannot be found. */
export interface CryptoKeyShape {
  readonly algorithm: { readonly name: string }
  readonly extractable: boolean
  readonly type: string
  readonly usages: readonly string[]
}

/** The runtime's Web Crypto `CryptoKey` (the global type where the host declares one). */
export type CryptoKey = typeof globalThis extends {
  crypto: { subtle: { generateKey(...args: never[]): Promise<infer R> } }
}
  ? Extract<R, { type: string }>
  : CryptoKeyShape

/** A public JWK reduced to the members RFC 7638 hashes (no private members, no metadata). */
export interface PublicJwk {
  readonly kty: string
  readonly crv?: string
  readonly x?: string
  readonly y?: string
  readonly n?: string
  readonly e?: string
}

/**
 * A JWK as a caller may hold one: ours, jose's `JWK`, Node's `JsonWebKey` (their `kty` is
 * optional in the type; a key without one is refused at run time).
 */
export interface JwkInput {
  readonly kty?: string | undefined
  readonly kid?: string | undefined
  readonly alg?: string | undefined
  readonly use?: string | undefined
  readonly crv?: string | undefined
  readonly n?: string | undefined
  readonly e?: string | undefined
  readonly x?: string | undefined
  readonly y?: string | undefined
  readonly d?: string | undefined
  readonly p?: string | undefined
  readonly q?: string | undefined
  readonly dp?: string | undefined
  readonly dq?: string | undefined
  readonly qi?: string | undefined
  readonly k?: string | undefined
}

/** A private key as callers hold one: a private JWK (with `d`), a `KeyObject` or a `CryptoKey`. */
export type PrivateKeyInput = JwkInput | KeyObject | CryptoKey
