/**
 * RFC 9396 `authorization_details`: the one serializer (authorization requests, every grant) and
 * the one shape check (token responses, introspection answers).
 */
import { describe, expect, it } from 'vitest'
import {
  createAuthorizationRequest,
  processIntrospectionResponse,
  processTokenResponse,
  serializeAuthorizationDetails,
} from '../../src/index.js'

const detail = { type: 'account_information', actions: ['read'], locations: ['https://a.example'] }

describe('authorization_details', () => {
  it('is sent as JSON in the authorization request', () => {
    const request = createAuthorizationRequest({
      authorizationEndpoint: 'https://id.example.com/authorize',
      clientId: 'app',
      redirectUri: 'https://app.example.com/cb',
      authorizationDetails: [detail],
    })
    const sent = new URL(request.url).searchParams.get('authorization_details')
    expect(JSON.parse(sent!)).toEqual([detail])
  })

  it.each([
    [[], /empty/],
    [[{}], /no string "type"/],
    [[{ type: 'x', actions: 'read' }], /actions/],
    [[{ type: 'x', identifier: 3 }], /identifier/],
    [{ type: 'x' }, /array/],
    [Array.from({ length: 101 }, () => ({ type: 'x' })), /more than 100/],
  ])('refuses %j with a TypeError', (value, message) => {
    expect(() => serializeAuthorizationDetails(value as never)).toThrow(message)
  })

  it('is refused in parameters when the option is also given', () => {
    expect(() =>
      createAuthorizationRequest({
        authorizationEndpoint: 'https://id.example.com/authorize',
        clientId: 'app',
        redirectUri: 'https://app.example.com/cb',
        parameters: { authorization_details: '[]' },
      }),
    ).toThrow(TypeError)
  })

  it('is checked in token responses and introspection answers', async () => {
    const token = (details: unknown) =>
      processTokenResponse(
        Response.json({ access_token: 'a', token_type: 'Bearer', authorization_details: details }),
      )
    expect(await token([detail])).toMatchObject({
      isSuccessful: true,
      token: { authorization_details: [detail] },
    })
    expect(await token([{ actions: [] }])).toMatchObject({ errorType: 'invalid_response' })
    const introspection = (details: unknown) =>
      processIntrospectionResponse(Response.json({ active: true, authorization_details: details }))
    expect(await introspection([detail])).toMatchObject({
      claims: { authorization_details: [detail] },
    })
    expect(await introspection('read')).toMatchObject({ errorType: 'invalid_response' })
  })
})
