/**
 * The command line's argument handling, in process (no network, no provider): any token is an
 * argument whatever it starts with, after `--` or not, and no error repeats one. The relative
 * times are checked against a fixed now.
 */
import { describe, expect, it } from 'vitest'
import { when } from '../../src/cli/format.js'
import { run } from '../../src/cli/run.js'

async function cli(argv: readonly string[], stdin = '') {
  let stdout = ''
  let stderr = ''
  const code = await run(argv, {
    stdout: (text) => {
      stdout += text
    },
    stderr: (text) => {
      stderr += text
    },
    env: {},
    readStdin: async () => stdin,
  })
  return { code, stdout, stderr, output: stdout + stderr }
}

/** A compact JWS whose parts are base64url of `header` and `payload`. */
function jws(header: object, payload: object): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part(header)}.${part(payload)}.c2ln`
}

describe('identity-model arguments', () => {
  it('takes a token that starts with - or -- as the argument, and never repeats it', async () => {
    for (const token of ['-Xk3.Zq9_fake', '--Qz9-fake.value_0123', '-h.x']) {
      const result = await cli(['decode', token])
      expect(result.code).toBe(1)
      expect(result.stderr).toContain('identity-model decode: not a JWT (2 parts; a JWT has three)')
      expect(result.output).not.toContain(token)
    }
  })

  it('after --, every argument is a token, even one that looks like a flag', async () => {
    for (const token of ['--json', '-h', '--help', '--bogus=value', '--client-secret=x']) {
      const result = await cli(['decode', '--', token])
      expect(result.code).toBe(1)
      expect(result.stderr).toContain('identity-model decode: not a JWT (1 part; a JWT has three)')
      expect(result.stdout).toBe('')
    }
  })

  it('decodes a JWT given after --', async () => {
    const token = jws({ alg: 'RS256', typ: 'at+jwt' }, { sub: 'alice', exp: 2_000_000_000 })
    const result = await cli(['decode', '--json', '--', token])
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({
      header: { alg: 'RS256', typ: 'at+jwt' },
      payload: { sub: 'alice', exp: 2_000_000_000 },
    })
  })

  it('an unknown option is named, without its value', async () => {
    const result = await cli(['decode', 'a.b.c', '--bogus=value-Zq9'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("Unknown option '--bogus'")
    expect(result.output).not.toContain('value-Zq9')
  })

  it('an option value may start with -', async () => {
    const result = await cli(['discover', '--expect-issuer', '-odd', '--timeout', '-5'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--timeout must be a positive number of milliseconds')
  })

  it('a token in the place of the command is not repeated', async () => {
    const token = jws({ alg: 'RS256' }, { sub: 'alice' })
    for (const first of [token, `-${token}`, 'Zq9_opaque-Token']) {
      const result = await cli([first])
      expect(result.code).toBe(2)
      expect(result.stderr).toContain('unknown command; commands: discover')
      expect(result.output).not.toContain(first)
    }
    const named = await cli(['frob'])
    expect(named.stderr).toContain('unknown command "frob"')
  })
})

describe('relative times', () => {
  it('shows the claim as a date and its distance from now', () => {
    const now = 1_700_000_000
    expect(when(now + 599, now)).toBe('2023-11-14T22:23:19.000Z (in 9 min 59 s)')
    expect(when(now + 600, now)).toBe('2023-11-14T22:23:20.000Z (in 10 min)')
    expect(when(now - 42, now)).toBe('2023-11-14T22:12:38.000Z (42 s ago)')
    expect(when('soon', now)).toBeUndefined()
  })
})
