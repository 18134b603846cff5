/**
 * CIBA (OpenID Connect Client-Initiated Backchannel Authentication) against the real provider:
 * poll mode approved, denied and expired, and ping mode with the provider's notification
 * received over TLS on 127.0.0.1 (a certificate made by openssl at test time) and checked. The user's "phone" is the testbed profile, which answers
 * the provider's authentication requests the way an authenticator app would.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type DiscoverySuccess,
  getDiscoveryDocument,
  pollBackchannelAuthenticationToken,
  processBackchannelNotification,
  requestBackchannelAuthentication,
  requestBackchannelAuthenticationToken,
  validateIdToken,
} from '../../src/index.js'
import { startProvider, type TestProvider } from '../../testbed/provider.js'
import {
  type StandardsProfile,
  standardsClients,
  standardsProfile,
} from '../../testbed/standards.js'

let op: TestProvider
let profile: StandardsProfile
let disco: DiscoverySuccess
let receiver: Server
/** Notifications received: authorization header and body. */
const notifications: { authorization: string | undefined; body: string }[] = []
let notified: (() => void) | undefined

/** A self-signed certificate for 127.0.0.1, made now. */
function selfSigned(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ciba-tls-'))
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore', timeout: 10_000 },
    )
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

beforeAll(async () => {
  const tls = selfSigned()
  receiver = createServer(tls, (req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      notifications.push({
        authorization: req.headers.authorization,
        body: Buffer.concat(chunks).toString(),
      })
      res.writeHead(204).end()
      notified?.()
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  const port = (receiver.address() as AddressInfo).port
  profile = standardsProfile({
    cibaNotificationEndpoint: `https://127.0.0.1:${port}/ciba`,
    cibaNotificationCa: tls.cert,
  })
  op = await startProvider({ ...profile.options })
  const result = await getDiscoveryDocument({ address: op.issuer, cache: false })
  if (!result.isSuccessful) throw new Error(result.error)
  disco = result
})
afterAll(async () => {
  await op?.stop()
  receiver?.closeAllConnections()
  await new Promise((resolve) => receiver?.close(resolve))
})

const pollClient = standardsClients.cibaPoll

function start(loginHint: string, extra: { requestedExpiry?: number } = {}) {
  return requestBackchannelAuthentication({
    address: disco.backchannelAuthenticationEndpoint,
    ...pollClient,
    loginHint,
    scope: 'openid',
    bindingMessage: 'W4SCT',
    ...extra,
  })
}

describe('CIBA poll mode', () => {
  it('collects the tokens once the user approves on their device', async () => {
    const started = await start('alice')
    if (!started.isSuccessful) throw new Error(`${started.error}: ${started.errorDescription}`)
    expect(started.expiresIn).toBeGreaterThan(0)
    const pending = await requestBackchannelAuthenticationToken({
      address: disco.tokenEndpoint,
      ...pollClient,
      authReqId: started.authReqId,
    })
    expect(pending).toMatchObject({ errorType: 'protocol', error: 'authorization_pending' })

    const onPhone = await profile.nextCibaRequest('alice')
    expect(onPhone.bindingMessage).toBe('W4SCT')
    const tokens = pollBackchannelAuthenticationToken({
      address: disco.tokenEndpoint,
      ...pollClient,
      authReqId: started.authReqId,
      interval: 0.05,
      expiresIn: started.expiresIn,
    })
    await profile.approveCiba(onPhone.authReqId)
    const result = await tokens
    if (!result.isSuccessful) throw new Error(`${result.error}: ${result.errorDescription}`)
    const claims = await validateIdToken(
      result.token.id_token!,
      { performDisco: true, clientId: pollClient.clientId, nonce: undefined },
      op.issuer,
    )
    expect(claims.sub).toBe('alice')
  })

  it('ends with access_denied when the user says no', async () => {
    const started = await start('bob')
    if (!started.isSuccessful) throw new Error(started.error)
    const onPhone = await profile.nextCibaRequest('bob')
    await profile.denyCiba(onPhone.authReqId)
    const result = await pollBackchannelAuthenticationToken({
      address: disco.tokenEndpoint,
      ...pollClient,
      authReqId: started.authReqId,
      interval: 0.05,
    })
    expect(result).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'access_denied',
    })
  })

  it('ends with a timeout of its own, and a refusal from the provider, once expired', async () => {
    const started = await start('carol', { requestedExpiry: 1 })
    if (!started.isSuccessful) throw new Error(`${started.error}: ${started.errorDescription}`)
    expect(started.expiresIn).toBe(1)
    const own = await pollBackchannelAuthenticationToken({
      address: disco.tokenEndpoint,
      ...pollClient,
      authReqId: started.authReqId,
      interval: 1.2,
      expiresIn: started.expiresIn,
    })
    expect(own).toMatchObject({ isSuccessful: false, errorType: 'timeout' })
    const fromProvider = await requestBackchannelAuthenticationToken({
      address: disco.tokenEndpoint,
      ...pollClient,
      authReqId: started.authReqId,
    })
    // oidc-provider says expired_token while it still holds the request, invalid_grant once its
    // storage has dropped it (the testbed store expires records with their TTL).
    expect(fromProvider).toMatchObject({ isSuccessful: false, errorType: 'protocol' })
    expect(['expired_token', 'invalid_grant']).toContain(fromProvider.error)
  })

  it('checks its own input before sending', () => {
    expect(() =>
      requestBackchannelAuthentication({
        address: disco.backchannelAuthenticationEndpoint,
        ...pollClient,
        loginHint: 'alice',
        idTokenHint: 'x.y.z',
      }),
    ).toThrow(/exactly one/)
  })
})

describe('CIBA ping mode', () => {
  it('requests the tokens when the checked notification arrives', async () => {
    const client = standardsClients.cibaPing
    const notificationToken = crypto.randomUUID()
    const arrived = new Promise<void>((resolve) => {
      notified = resolve
    })
    const started = await requestBackchannelAuthentication({
      address: disco.backchannelAuthenticationEndpoint,
      ...client,
      loginHint: 'dave',
      clientNotificationToken: notificationToken,
    })
    if (!started.isSuccessful) throw new Error(`${started.error}: ${started.errorDescription}`)
    const onPhone = await profile.nextCibaRequest('dave')
    const tokens = pollBackchannelAuthenticationToken({
      address: disco.tokenEndpoint,
      ...client,
      authReqId: started.authReqId,
      interval: started.interval,
      expiresIn: started.expiresIn,
      notification: arrived.then(() => {
        const last = notifications.at(-1)!
        const ping = processBackchannelNotification(
          last.authorization,
          last.body,
          notificationToken,
        )
        if (!ping.isSuccessful || ping.authReqId !== started.authReqId) throw new Error('bad ping')
      }),
    })
    await profile.approveCiba(onPhone.authReqId)
    const result = await tokens
    expect(result).toMatchObject({ isSuccessful: true })

    const last = notifications.at(-1)!
    expect(
      processBackchannelNotification(last.authorization, last.body, 'another-token'),
    ).toMatchObject({
      isSuccessful: false,
      errorType: 'policy',
      httpStatus: 401,
    })
  })
})
