/**
 * CIBA's process steps and its ping notification check, with fixtures: what the provider may
 * send and what a forged notification looks like.
 */
import { describe, expect, it } from 'vitest'
import {
  processBackchannelAuthenticationResponse,
  processBackchannelNotification,
} from '../../src/index.js'

describe('the backchannel authentication response', () => {
  it('takes auth_req_id, expires_in and interval (default 5)', async () => {
    const result = await processBackchannelAuthenticationResponse(
      Response.json({ auth_req_id: 'r1', expires_in: 120 }),
    )
    expect(result).toMatchObject({
      isSuccessful: true,
      authReqId: 'r1',
      expiresIn: 120,
      interval: 5,
    })
  })

  it.each([
    [{ expires_in: 120 }, 'invalid_response'],
    [{ auth_req_id: 'r1' }, 'invalid_response'],
    [{ auth_req_id: 'r1', expires_in: 120, interval: -1 }, 'invalid_response'],
  ])('refuses %j', async (body, errorType) => {
    const result = await processBackchannelAuthenticationResponse(Response.json(body))
    expect(result).toMatchObject({ isSuccessful: false, errorType })
  })

  it('passes an OAuth error on as a protocol failure', async () => {
    const result = await processBackchannelAuthenticationResponse(
      Response.json({ error: 'unknown_user_id' }, { status: 400 }),
    )
    expect(result).toMatchObject({ errorType: 'protocol', error: 'unknown_user_id' })
  })
})

describe('ping notifications', () => {
  const token = 'notification-token-1'
  const body = JSON.stringify({ auth_req_id: 'r1' })

  it('accepts the bearer token sent with the request', () => {
    expect(processBackchannelNotification(`Bearer ${token}`, body, token)).toEqual({
      isSuccessful: true,
      authReqId: 'r1',
    })
  })

  it.each([
    [undefined, body, 'policy'],
    ['Bearer other', body, 'policy'],
    [`Basic ${token}`, body, 'policy'],
    [`Bearer ${token}`, 'not json', 'invalid_json'],
    [`Bearer ${token}`, '{}', 'invalid_response'],
    [`Bearer ${token}`, 'x'.repeat(5000), 'invalid_response'],
  ])('refuses %s with %s', (authorization, text, errorType) => {
    expect(processBackchannelNotification(authorization, text, token)).toMatchObject({
      isSuccessful: false,
      errorType,
    })
  })
})
