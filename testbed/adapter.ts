/**
 * In-memory storage for the provider (sessions, grants, opaque tokens, registered clients)
 * that outlives one Provider instance. Key rotation and restart() build a new instance; with
 * the storage kept, sessions, refresh tokens and opaque tokens survive them, as they would
 * with a database behind a real provider.
 */

type Payload = Record<string, unknown> & {
  grantId?: string
  userCode?: string
  uid?: string
  consumed?: number
}

interface Entry {
  readonly value: unknown
  readonly expiresAt: number
}

/** The models whose records are revoked together by `revokeByGrantId`. */
const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
])

const SWEEP_EVERY = 500

/** A map whose entries expire; swept now and then so long benchmarks do not grow it forever. */
export class TestbedStore {
  readonly #entries = new Map<string, Entry>()
  #writes = 0

  get(key: string): unknown {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= Date.now()) {
      this.#entries.delete(key)
      return undefined
    }
    return entry.value
  }

  set(key: string, value: unknown, expiresInSeconds?: number): void {
    const expiresAt =
      expiresInSeconds === undefined
        ? Number.POSITIVE_INFINITY
        : Date.now() + expiresInSeconds * 1000
    this.#entries.set(key, { value, expiresAt })
    if (++this.#writes % SWEEP_EVERY === 0) this.#sweep()
  }

  delete(key: string): void {
    this.#entries.delete(key)
  }

  #sweep(): void {
    const now = Date.now()
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key)
  }
}

/** oidc-provider's adapter interface, over a TestbedStore. */
class TestbedAdapter {
  readonly #model: string
  readonly #store: TestbedStore

  constructor(model: string, store: TestbedStore) {
    this.#model = model
    this.#store = store
  }

  #key(id: string): string {
    return `${this.#model}:${id}`
  }

  async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
    const key = this.#key(id)
    this.#store.set(key, payload, expiresIn)
    if (this.#model === 'Session' && payload.uid) {
      this.#store.set(`sessionUid:${payload.uid}`, id, expiresIn)
    }
    if (payload.userCode) this.#store.set(`userCode:${payload.userCode}`, id, expiresIn)
    if (GRANTABLE.has(this.#model) && payload.grantId) {
      const grantKey = `grant:${payload.grantId}`
      const members = (this.#store.get(grantKey) as Set<string> | undefined) ?? new Set<string>()
      members.add(key)
      this.#store.set(grantKey, members)
    }
  }

  async find(id: string): Promise<Payload | undefined> {
    return this.#store.get(this.#key(id)) as Payload | undefined
  }

  async findByUid(uid: string): Promise<Payload | undefined> {
    const id = this.#store.get(`sessionUid:${uid}`)
    return typeof id === 'string' ? this.find(id) : undefined
  }

  async findByUserCode(userCode: string): Promise<Payload | undefined> {
    const id = this.#store.get(`userCode:${userCode}`)
    return typeof id === 'string' ? this.find(id) : undefined
  }

  async consume(id: string): Promise<void> {
    const payload = await this.find(id)
    if (payload) payload.consumed = Math.floor(Date.now() / 1000)
  }

  async destroy(id: string): Promise<void> {
    this.#store.delete(this.#key(id))
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const grantKey = `grant:${grantId}`
    const members = this.#store.get(grantKey) as Set<string> | undefined
    for (const key of members ?? []) this.#store.delete(key)
    this.#store.delete(grantKey)
  }
}

/** The `adapter` setting for oidc-provider: one adapter per model, all over `store`. */
export function adapterFor(store: TestbedStore): (model: string) => TestbedAdapter {
  return (model) => new TestbedAdapter(model, store)
}
