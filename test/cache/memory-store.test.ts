import { describe, expect, it } from 'vitest'
import { MemoryStore } from '../../src/cache/memory-store.js'

function clock(start = 1_000_000) {
  const state = { now: start }
  return { state, now: () => state.now }
}

describe('MemoryStore', () => {
  it('keeps a value for its lifetime, then forgets it', async () => {
    const c = clock()
    const store = new MemoryStore({ now: c.now })
    await store.set('k', 'v', 1000)
    expect(await store.get('k')).toBe('v')
    c.state.now += 999
    expect(await store.get('k')).toBe('v')
    c.state.now += 1
    expect(await store.get('k')).toBeUndefined()
  })

  it('replaces a value and its lifetime, and deletes', async () => {
    const c = clock()
    const store = new MemoryStore({ now: c.now })
    await store.set('k', 'a', 100)
    await store.set('k', 'b', 5000)
    c.state.now += 1000
    expect(await store.get('k')).toBe('b')
    await store.delete('k')
    expect(await store.get('k')).toBeUndefined()
  })

  it('gives a lock to one holder at a time, until released or expired', async () => {
    const c = clock()
    const store = new MemoryStore({ now: c.now })
    const first = await store.acquireLock('l', 1000)
    expect(first).toBeDefined()
    expect(await store.acquireLock('l', 1000)).toBeUndefined()
    expect(await store.acquireLock('other', 1000)).toBeDefined()
    await first?.release()
    const second = await store.acquireLock('l', 1000)
    expect(second).toBeDefined()
    c.state.now += 1000
    // Expired: a crashed holder does not block the next one.
    const third = await store.acquireLock('l', 1000)
    expect(third).toBeDefined()
    // The expired holder's late release does not free the new holder's lock.
    await second?.release()
    expect(await store.acquireLock('l', 1000)).toBeUndefined()
    await third?.release()
    expect(await store.acquireLock('l', 1000)).toBeDefined()
  })

  it('drops expired, then the oldest entries beyond maxEntries', async () => {
    const c = clock()
    const store = new MemoryStore({ now: c.now, maxEntries: 2 })
    await store.set('short', '1', 10)
    await store.set('a', '2', 1000)
    c.state.now += 20
    await store.set('b', '3', 1000)
    expect(await store.get('a')).toBe('2')
    await store.set('c', '4', 1000)
    expect(await store.get('a')).toBeUndefined()
    expect(await store.get('b')).toBe('3')
    expect(await store.get('c')).toBe('4')
  })

  it('refuses a lifetime that is not a positive number', () => {
    const store = new MemoryStore()
    expect(() => store.set('k', 'v', 0)).toThrow(TypeError)
    expect(() => store.acquireLock('k', Number.NaN)).toThrow(TypeError)
  })

  it('writes through a lock only while the lock is held (fenced write)', async () => {
    const c = clock()
    const store = new MemoryStore({ now: c.now })
    const first = await store.acquireLock('lock:k', 1000)
    expect(await first?.set?.('k', 'one', 60_000)).toBe(true)
    expect(await store.get('k')).toBe('one')
    c.state.now += 1000
    // Expired, and another holder took over: the slow holder cannot overwrite its value.
    const second = await store.acquireLock('lock:k', 1000)
    expect(await second?.set?.('k', 'two', 60_000)).toBe(true)
    expect(await first?.set?.('k', 'late', 60_000)).toBe(false)
    expect(await store.get('k')).toBe('two')
    await second?.release()
    expect(await second?.set?.('k', 'after release', 60_000)).toBe(false)
    expect(await store.get('k')).toBe('two')
  })
})
