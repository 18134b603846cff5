/**
 * The one JSON object the Node side hands the portable suite on every runtime: the testbed
 * provider's address, client credentials, static keys with pre-signed tokens, a sign-in that
 * ended at the client's callback, and a DPoP key. Everything here is TEST-ONLY material made at
 * run time (test/portable/harness/fixtures.ts).
 */

/** The runtimes the suite runs on. */
export type RuntimeName = 'node' | 'bun' | 'deno' | 'workerd' | 'chromium'

/** A public JWK, or a private one (with `d`), as plain JSON. */
export type Jwk = Readonly<Record<string, string | readonly string[] | boolean | undefined>>

/** The algorithms validated with a static key. */
export type StaticAlg = 'RS256' | 'PS256' | 'ES256' | 'EdDSA' | 'HS256'

/** A static key and tokens signed for it (by jose on Node: an independent implementation). */
export interface StaticKeyFixture {
  readonly alg: StaticAlg
  /** The verification key: a public JWK, or for HS256 a symmetric one (`kty: oct`). */
  readonly key: Jwk
  readonly issuer: string
  readonly audience: string
  readonly tokens: {
    readonly good: string
    /** The payload changed after signing (`sub: admin`), the signature kept. */
    readonly tampered: string
    readonly expired: string
    readonly wrongAudience: string
    readonly wrongIssuer: string
    /** `alg: none`, no signature. */
    readonly algNone: string
    /** Signed by another key that claims the same `kid`. */
    readonly wrongKey: string
    /** Signed by another key with a `kid` the key does not have. */
    readonly unknownKid: string
    /**
     * Algorithm confusion: for asymmetric keys, an HS256 token whose secret is the public JWK's
     * JSON; for HS256, a token signed with RS256 presented to the symmetric key.
     */
    readonly mismatchedKeyType: string
  }
}

/** A sign-in that reached the client's redirect URI (made by the Node side, no browser). */
export interface CodeFlowFixture {
  /** A public client (PKCE, `token_endpoint_auth_method: none`). */
  readonly clientId: string
  readonly redirectUri: string
  readonly scope: string
  readonly state: string
  readonly nonce: string
  readonly codeVerifier: string
  /** The S256 challenge the Node side computed with node:crypto. */
  readonly codeChallenge: string
  /** Where the provider redirected the user agent: `redirectUri?code=...&state=...&iss=...`. */
  readonly callbackUrl: string
  /** The `sub` the user signed in as. */
  readonly subject: string
}

export interface ClientFixture {
  readonly clientId: string
  readonly clientSecret: string
}

export interface PortableContext {
  /** The runtime the runner started; the sanity case checks it is the one running. */
  readonly runtime: RuntimeName
  /** Each case gives up after this many milliseconds. */
  readonly caseTimeoutMs: number
  /** The testbed provider: `http://127.0.0.1:<port>`. */
  readonly issuer: string
  readonly discoveryUrl: string
  /** The JWT access-token resource and its audience. */
  readonly resource: string
  readonly audience: string
  readonly clients: {
    /** `client_secret_basic`, `api:read api:write`; its secret needs RFC 6749 §2.3.1 encoding. */
    readonly basic: ClientFixture
    /** `client_secret_post`, `api:read api:write`. */
    readonly post: ClientFixture
    /** `client_secret_basic`, `api:read` only. */
    readonly readonly: ClientFixture
  }
  readonly staticKeys: readonly StaticKeyFixture[]
  readonly codeFlow: CodeFlowFixture
  /** An ES256 private JWK (with `d`) for `createDpopProof`. */
  readonly dpopPrivateJwk: Jwk
  readonly jwe: JweFixture
}

/**
 * Encrypted ID tokens (signed, then encrypted, by jose on Node): one per key-management and
 * content-encryption pair, and the refusals.
 */
export interface JweFixture {
  readonly issuer: string
  readonly clientId: string
  readonly nonce: string
  /** The public JWK the inner JWS verifies with. */
  readonly signingKey: Jwk
  /** The client's private decryption keys. */
  readonly rsaKey: Jwk
  readonly ecKey: Jwk
  /** `<alg> <enc>` → the encrypted ID token. */
  readonly tokens: Readonly<Record<string, string>>
  /** RSA-OAEP-256 + A256GCM with a bit of the tag flipped. */
  readonly tamperedTag: string
  /** RSA-OAEP-256 + A128CBC-HS256 for another RSA key. */
  readonly otherKey: string
  /** A compressed (`zip: DEF`) JWE. */
  readonly zipped: string
}
