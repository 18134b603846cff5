/**
 * The guards of the resource-server core, framework-free: scopes (all or any, `scope` or
 * `scp`), required claim values, `authorize` (only `true` allows), and the TypeErrors of each
 * option, with what they say.
 */
import { describe, expect, it } from 'vitest'
import { createGuard, createScopeCheck, tokenScopes } from '../../src/resource-server/guards.js'

describe('tokenScopes', () => {
  it('reads scope or scp, as a space-delimited string or a list', () => {
    expect(tokenScopes({ scope: 'a  b c' })).toEqual(['a', 'b', 'c'])
    expect(tokenScopes({ scp: 'a b' })).toEqual(['a', 'b'])
    expect(tokenScopes({ scp: ['a', 7, 'b'] } as never)).toEqual(['a', 'b'])
    expect(tokenScopes({ scope: 'a', scp: ['b'] })).toEqual(['a'])
    expect(tokenScopes({ scope: 7 } as never)).toEqual([])
    expect(tokenScopes({})).toEqual([])
  })
})

describe('createScopeCheck', () => {
  it('requires every scope by default, one of them with "any"', () => {
    const all = createScopeCheck('a b', undefined)!
    expect(all({ scope: 'a b c' })).toBeUndefined()
    expect(all({ scope: 'a' })).toEqual({
      description: 'The token lacks a required scope',
      scopes: ['a', 'b'],
    })
    const any = createScopeCheck(['a', 'b'], 'any')!
    expect(any({ scp: ['b'] })).toBeUndefined()
    expect(any({ scope: 'c' })).toEqual({
      description: 'The token lacks one of the accepted scopes',
      scopes: ['a', 'b'],
    })
    expect(createScopeCheck(['a'], 'all')!({ scope: 'a' })).toBeUndefined()
  })

  it('checks nothing without scopes, and refuses malformed options', () => {
    expect(createScopeCheck(undefined, undefined)).toBeUndefined()
    expect(createScopeCheck('  ', undefined)).toBeUndefined()
    expect(createScopeCheck([], 'any')).toBeUndefined()
    const scopes = new TypeError(
      'requiredScopes must be a scope string or a list of non-empty scopes',
    )
    expect(() => createScopeCheck(['a', ''], undefined)).toThrow(scopes)
    expect(() => createScopeCheck(['a', 7 as never], undefined)).toThrow(scopes)
    expect(() => createScopeCheck('a', 'some' as never)).toThrow(
      new TypeError('scopeMatch must be "all" or "any"'),
    )
    expect(() => createScopeCheck([], 'some' as never)).toThrow(TypeError)
  })
})

describe('createGuard', () => {
  it('builds nothing when there is nothing to check', () => {
    expect(createGuard({})).toBeUndefined()
    expect(createGuard({ requiredScopes: [] })).toBeUndefined()
  })

  it('checks required claim values: one of the values, or one in a list claim', () => {
    const guard = createGuard({
      requiredClaimValues: { tenant: ['t1', 't2'], admin: true, level: 3 },
    })!
    expect(guard({ tenant: 't2', admin: true, level: 3 })).toBeUndefined()
    expect(guard({ tenant: ['x', 't1'], admin: true, level: 3 })).toBeUndefined()
    expect(guard({ tenant: 't3', admin: true, level: 3 })).toEqual({
      description: "The token's tenant claim does not allow this request",
    })
    expect(guard({ tenant: 't1', admin: 'true', level: 3 })).toEqual({
      description: "The token's admin claim does not allow this request",
    })
    expect(guard({ tenant: 't1', admin: true })).toMatchObject({
      description: expect.stringContaining('level'),
    })
  })

  it('refuses malformed required claim values with a TypeError naming the claim', () => {
    expect(() => createGuard({ requiredClaimValues: null as never })).toThrow(
      new TypeError('requiredClaimValues must be an object of claim names to values'),
    )
    expect(() => createGuard({ requiredClaimValues: 'tenant' as never })).toThrow(TypeError)
    for (const bad of [[], [{}], null, { a: 1 }, ['ok', undefined]]) {
      expect(() => createGuard({ requiredClaimValues: { tenant: bad as never } })).toThrow(
        new TypeError(
          'requiredClaimValues.tenant must be a string, number or boolean, or a non-empty list of them',
        ),
      )
    }
    for (const good of ['t', 0, false, ['t', 1, true]]) {
      expect(createGuard({ requiredClaimValues: { tenant: good as never } })).toBeDefined()
    }
  })

  it('allows only when authorize answers true (or a promise of true)', async () => {
    const denied = { description: 'The token does not allow this request' }
    for (const [verdict, allowed] of [
      [true, true],
      [false, false],
      [undefined, false],
      [1, false],
      ['yes', false],
    ] as const) {
      const guard = createGuard({ authorize: () => verdict as never })!
      expect(guard({})).toEqual(allowed ? undefined : denied)
      const later = createGuard({ authorize: async () => verdict as never })!
      expect(await later({})).toEqual(allowed ? undefined : denied)
    }
    expect(() => createGuard({ authorize: 'yes' as never })).toThrow(
      new TypeError('authorize must be a function (claims) => boolean | Promise<boolean>'),
    )
  })

  it('runs the scope check, then claim values, then authorize, stopping at the first denial', () => {
    const calls: string[] = []
    const guard = createGuard({
      requiredScopes: 'a',
      requiredClaimValues: { tenant: 't1' },
      authorize: () => {
        calls.push('authorize')
        return true
      },
    })!
    expect(guard({ scope: 'b', tenant: 't1' })).toMatchObject({ scopes: ['a'] })
    expect(guard({ scope: 'a', tenant: 't2' })).toMatchObject({
      description: expect.stringContaining('tenant'),
    })
    expect(calls).toEqual([])
    expect(guard({ scope: 'a', tenant: 't1' })).toBeUndefined()
    expect(calls).toEqual(['authorize'])
  })
})
