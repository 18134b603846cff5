/**
 * The `identity-model` command, as users run it: the built binary (`npm run build`, which
 * `pretest` runs, then `node dist/esm/cli/main.js`) in a child process, against real testbed
 * providers. Asserts output, diagnoses, exit codes, and that the client secret never appears in
 * any output (checked on every run).
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clients, resources, startProvider, type TestProvider } from '../../testbed/provider.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const bin = resolve(root, 'dist/esm/cli/main.js')

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

const basicSecret = clients.serviceBasic.clientSecret
const secretEnv = { IDENTITY_MODEL_CLIENT_SECRET: basicSecret }

/**
 * Runs the binary; the environment holds no secret unless given. Every run, whatever it tests,
 * must not print either client secret.
 */
async function cli(
  args: readonly string[],
  options: { env?: Record<string, string>; input?: string } = {},
): Promise<Run> {
  const result = await new Promise<Run>((done) => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', ...options.env }
    const child = execFile(
      process.execPath,
      [bin, ...args],
      { cwd: root, env, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1
        done({ code, stdout, stderr })
      },
    )
    child.stdin?.end(options.input ?? '')
  })
  for (const secret of [basicSecret, clients.servicePost.clientSecret]) {
    expect(result.stdout).not.toContain(secret)
    expect(result.stderr).not.toContain(secret)
  }
  return result
}

// Every case spawns several Node processes: on a loaded machine each takes seconds to start,
// so the bound per case is generous (a bound, not a timing assertion).
describe('identity-model CLI (built binary, real provider)', { timeout: 90_000 }, () => {
  let op: TestProvider
  let shortLived: TestProvider
  let jwt: string

  beforeAll(async () => {
    ;[op, shortLived] = await Promise.all([
      startProvider(),
      startProvider({ ttl: { ClientCredentials: 1 } }),
    ])
    const response = await op.clientCredentialsToken({ ...clients.serviceBasic, scope: 'api:read' })
    jwt = String(response.access_token)
  }, 60_000)

  afterAll(async () => {
    await Promise.all([op?.stop(), shortLived?.stop()])
  })

  it('the package bin points at the built main', () => {
    const manifest = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'))
    expect(manifest.bin).toEqual({ 'identity-model': './dist/esm/cli/main.js' })
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true)
  })

  it('discover: readable, --json is the document', async () => {
    const human = await cli(['discover', op.issuer])
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(new RegExp(`^issuer +${op.issuer}$`, 'm'))
    expect(human.stdout).toMatch(new RegExp(`^token_endpoint +${op.issuer}/token$`, 'm'))
    const json = await cli(['discover', op.discoveryUrl, '--json'])
    expect(json.code).toBe(0)
    expect(JSON.parse(json.stdout)).toMatchObject({
      issuer: op.issuer,
      jwks_uri: `${op.issuer}/jwks`,
    })
  })

  it('discover: an unreachable provider exits 3 with a diagnosis, no stack trace', async () => {
    const stopped = await startProvider()
    const address = stopped.issuer
    await stopped.stop()
    const result = await cli(['discover', address, '--timeout', '2000'])
    expect(result.code).toBe(3)
    expect(result.stderr).toContain(
      `identity-model discover: discovery at ${address} is unavailable`,
    )
    expect(result.stderr).toContain('ECONNREFUSED')
    expect(result.stderr).not.toMatch(/\n\s+at /)
    const json = await cli(['discover', address, '--json', '--timeout', '2000'])
    expect(json.code).toBe(3)
    expect(JSON.parse(json.stdout)).toMatchObject({ error: 'network', exitCode: 3 })
  })

  it('discover: a policy violation exits 5 and explains', async () => {
    // The document at this address declares another issuer (the address has a trailing slash).
    const result = await cli(['discover', `${op.issuer}/`])
    expect(result.code).toBe(5)
    expect(result.stderr).toContain(
      `issuer mismatch: expected ${op.issuer}/, the discovery document says ${op.issuer}`,
    )
  })

  it('jwks: lists the keys', async () => {
    const result = await cli(['jwks', op.issuer])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`4 key(s) at ${op.issuer}/jwks`)
    expect(result.stdout).toMatch(/^rsa-a +RSA\/RS256 +sig +2048 bits$/m)
    const json = await cli(['jwks', '--jwks-uri', `${op.issuer}/jwks`, '--json'])
    expect(JSON.parse(json.stdout).keys.map((key: { kid: string }) => key.kid)).toEqual([
      'rsa-a',
      'ps-a',
      'ec-a',
      'ed-a',
    ])
  })

  it('decode: header, payload and times; from stdin; a non-JWT exits 1', async () => {
    const result = await cli(['decode', jwt])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('"typ": "at+jwt"')
    expect(result.stdout).toContain('"client_id": "service-basic"')
    // The token's own exp, and a time ahead of now (how far ahead depends on the clock: the
    // relative wording itself is checked against a fixed now in args.test.ts).
    const exp = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()).exp
    const iso = new Date(exp * 1000).toISOString().replaceAll('.', '\\.')
    expect(result.stdout).toMatch(new RegExp(`^ {2}exp +${iso} \\(in [^)]+\\)$`, 'm'))
    expect(result.stdout).toContain('signature not verified')
    const piped = await cli(['decode', '-', '--json'], { input: `Bearer ${jwt}\n` })
    expect(JSON.parse(piped.stdout).payload.iss).toBe(op.issuer)
    const bad = await cli(['decode', 'abc.def'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain('identity-model decode: not a JWT (2 parts; a JWT has three)')
  })

  it('validate: a good token exits 0 and shows the claims', async () => {
    const result = await cli(['validate', jwt, '--issuer', op.issuer, '--audience', 'my-api'])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^valid$/m)
    expect(result.stdout).toMatch(/^sub +service-basic$/m)
    const json = await cli(
      ['validate', '-', '--disco', op.discoveryUrl, '--audience', 'my-api', '--json'],
      {
        input: jwt,
      },
    )
    expect(json.code).toBe(0)
    expect(JSON.parse(json.stdout)).toMatchObject({ valid: true, claims: { aud: 'my-api' } })
  })

  it('validate: diagnoses a wrong audience, another issuer, an unknown kid, an expired token', async () => {
    const audience = await cli(['validate', jwt, '--issuer', op.issuer, '--audience', 'other-api'])
    expect(audience.code).toBe(1)
    expect(audience.stderr).toBe(
      'identity-model validate: invalid token: audience mismatch: expected other-api, the token has "my-api"\n',
    )

    // shortLived publishes the same keys: the signature is fine, the issuer is not.
    const issuer = await cli([
      'validate',
      jwt,
      '--issuer',
      shortLived.issuer,
      '--audience',
      'my-api',
    ])
    expect(issuer.code).toBe(1)
    expect(issuer.stderr).toContain(
      `invalid token: issuer mismatch: expected ${shortLived.issuer}, the token has ${op.issuer}`,
    )

    const rotated = await startProvider()
    try {
      const old = String((await rotated.clientCredentialsToken(clients.serviceBasic)).access_token)
      await rotated.rotateKeys('B')
      const kid = await cli(['validate', old, '--issuer', rotated.issuer, '--audience', 'my-api'])
      expect(kid.code).toBe(1)
      expect(kid.stderr).toContain('invalid token: kid "rsa-a" is not in the key set (keys: rsa-b')
      const json = await cli(['validate', old, '--issuer', rotated.issuer, '--json'])
      expect(JSON.parse(json.stdout)).toMatchObject({ error: 'key_not_found', exitCode: 1 })
    } finally {
      await rotated.stop()
    }

    const short = String(
      (await shortLived.clientCredentialsToken(clients.serviceBasic)).access_token,
    )
    await new Promise((wait) => setTimeout(wait, 2100))
    const expired = await cli([
      'validate',
      short,
      '--issuer',
      shortLived.issuer,
      '--audience',
      'my-api',
      '--leeway',
      '0',
    ])
    expect(expired.code).toBe(1)
    expect(expired.stderr).toMatch(
      /invalid token: the token expired \d+ s ago \(exp [^;]+; check the clock if this is unexpected\)/,
    )
  })

  it('validate: an unreachable provider exits 3, usage errors exit 2', async () => {
    const stopped = await startProvider()
    const address = stopped.issuer
    await stopped.stop()
    const down = await cli(['validate', jwt, '--issuer', address, '--timeout', '1000'])
    expect(down.code).toBe(3)
    const both = await cli(['validate', jwt, '--issuer', op.issuer, '--disco', op.discoveryUrl])
    expect(both.code).toBe(2)
    expect(both.stderr).toContain('give exactly one of --disco <url> or --issuer <url>')
    const unknown = await cli(['validate', jwt, '--bogus=value'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("Unknown option '--bogus'")
    expect(unknown.stderr).not.toContain('value')
    expect((await cli([])).code).toBe(2)
    expect((await cli(['frob'])).code).toBe(2)
    expect((await cli(['--help'])).code).toBe(0)
    expect((await cli(['help', 'validate'])).stdout).toContain('Usage: identity-model validate')
  })

  it('token client-credentials: --json is the token response; the secret never shows', async () => {
    const human = await cli(
      [
        'token',
        'client-credentials',
        '--issuer',
        op.issuer,
        '--client-id',
        clients.serviceBasic.clientId,
        '--scope',
        'api:read',
      ],
      { env: secretEnv },
    )
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(/^access_token +eyJ/m)
    expect(human.stdout).toMatch(/^expires_in +10 min$/m)
    const json = await cli(
      [
        'token',
        'client-credentials',
        '--token-endpoint',
        `${op.issuer}/token`,
        '--client-id',
        clients.servicePost.clientId,
        '--auth',
        'post',
        '--client-secret-stdin',
        '--scope',
        'api:write',
        '--json',
      ],
      { input: `${clients.servicePost.clientSecret}\n` },
    )
    expect(json.code).toBe(0)
    const token = JSON.parse(json.stdout)
    expect(Object.keys(token).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type'])
    expect(token).toMatchObject({ token_type: 'Bearer', expires_in: 600, scope: 'api:write' })

    const refused = await cli(
      ['token', 'client-credentials', '--issuer', op.issuer, '--client-id', 'service-basic'],
      {
        env: { CLIENT_SECRET: 'wrong-secret-Zq9' },
      },
    )
    expect(refused.code).toBe(4)
    expect(refused.stderr).toContain('the token endpoint refused the request: error invalid_client')
    expect(refused.stderr).not.toContain('wrong-secret-Zq9')
  })

  it('refuses a secret passed as a flag, without echoing it', async () => {
    for (const flag of ['--client-secret=hunter2-Xy', '--secret=hunter2-Xy']) {
      const result = await cli([
        'token',
        'client-credentials',
        '--issuer',
        op.issuer,
        '--client-id',
        'x',
        flag,
      ])
      expect(result.code).toBe(2)
      expect(result.stderr).toContain('is not accepted: a secret on the command line')
      expect(result.stdout + result.stderr).not.toContain('hunter2-Xy')
    }
  })

  it('introspect and revoke: active 0, inactive 1, token and secret from stdin', async () => {
    const opaque = String(
      (
        await op.clientCredentialsToken({
          ...clients.serviceBasic,
          scope: 'api:read',
          resource: resources.opaque,
        })
      ).access_token,
    )
    const client = ['--client-id', clients.serviceBasic.clientId]
    const active = await cli(
      ['introspect', '-', '--issuer', op.issuer, ...client, '--client-secret-stdin'],
      {
        input: `${basicSecret}\n${opaque}\n`,
      },
    )
    expect(active.code).toBe(0)
    expect(active.stdout).toMatch(/^active$/m)
    expect(active.stdout).toMatch(/^aud +opaque-api$/m)

    const revoked = await cli(
      ['revoke', opaque, '--revocation-endpoint', `${op.issuer}/token/revocation`, ...client],
      {
        env: secretEnv,
      },
    )
    expect(revoked.code).toBe(0)
    expect(revoked.stdout).toContain('revoked')

    const inactive = await cli(['introspect', '-', '--issuer', op.issuer, ...client, '--json'], {
      env: secretEnv,
      input: opaque,
    })
    expect(inactive.code).toBe(1)
    expect(JSON.parse(inactive.stdout)).toEqual({ active: false })

    const missing = await cli(['introspect', '-', '--issuer', op.issuer, ...client], {
      env: secretEnv,
    })
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('expected a token on stdin, found nothing')
  })

  it('a token that starts with - or -- is an argument, with or without --', async () => {
    const client = ['--client-id', clients.serviceBasic.clientId]
    // Any token is an argument, after -- or not, whatever it starts with (base64url allows a
    // leading -): an unknown token revokes fine (RFC 7009 §2.2) and introspects inactive.
    const revocation = ['--revocation-endpoint', `${op.issuer}/token/revocation`, ...client]
    for (const args of [
      ['-Xk3_Zq9fakeOpaqueTokenValue0123'],
      ['--Qz9-fakeOpaqueTokenValue_0123'],
      ['--', '--json'],
      ['--', '-h'],
    ]) {
      const dashed = await cli(['revoke', ...revocation, ...args], { env: secretEnv })
      expect(dashed.code).toBe(0)
      expect(dashed.stdout).toContain('revoked')
    }
    const dashedInactive = await cli(
      ['introspect', '-Xk3_Zq9fakeOpaqueTokenValue0123', '--issuer', op.issuer, ...client],
      { env: secretEnv },
    )
    expect(dashedInactive.code).toBe(1)
    expect(dashedInactive.stdout + dashedInactive.stderr).not.toContain('fakeOpaque')
  })
})
