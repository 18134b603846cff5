/**
 * DPoP as a request decorator for the outbound pipeline (`http/decorator.ts`): a proof on every
 * attempt (with `ath` when an access token goes along), every server's `DPoP-Nonce` remembered,
 * and one more attempt for a `use_dpop_nonce` answer (RFC 9449 §8 from an authorization server,
 * §9 from a resource server).
 */
import type { OutboundTarget, RequestDecorator } from '../http/decorator.js'
import type { DpopHandle } from './handle.js'
import { nonceRequested } from './nonce-challenge.js'

const decorators = new WeakMap<DpopHandle, RequestDecorator>()

/**
 * The decorator of a DPoP handle (one per handle).
 *
 * @throws TypeError when `dpop` is not a handle from `createDpop()`.
 */
export function dpopDecorator(dpop: DpopHandle): RequestDecorator {
  if (dpop === null || typeof dpop !== 'object' || typeof dpop.proof !== 'function') {
    throw new TypeError('dpop must be a handle from createDpop()')
  }
  let decorator = decorators.get(dpop)
  if (decorator === undefined) {
    decorator = {
      scheme: 'DPoP',
      async headers(target: OutboundTarget) {
        return {
          dpop: await dpop.proof({
            htm: target.htm,
            htu: target.htu,
            ...(target.accessToken === undefined ? {} : { accessToken: target.accessToken }),
          }),
        }
      },
      async retry(target: OutboundTarget, response: Response) {
        // RFC 9449 §8.2: any answer may carry the nonce to use from now on.
        dpop.rememberNonce(target.htu, response.headers.get('dpop-nonce'))
        return (await nonceRequested(response)) !== undefined
      },
    }
    decorators.set(dpop, decorator)
  }
  return decorator
}

/** The decorator for an optional handle. */
export function optionalDpopDecorator(dpop: DpopHandle | undefined): RequestDecorator | undefined {
  return dpop === undefined ? undefined : dpopDecorator(dpop)
}
