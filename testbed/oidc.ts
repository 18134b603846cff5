/**
 * The one place that loads oidc-provider's code. The package prints its "Unsupported runtime"
 * warning while its module body runs, so it is imported dynamically with the chatter muted;
 * every other testbed module takes `Provider` and `errors` from here.
 */
import { muteProviderChatter } from './quiet.js'

const release = muteProviderChatter()
const oidcProvider = await import('oidc-provider').finally(release)

/** The oidc-provider `Provider` class. */
export const Provider: typeof import('oidc-provider').Provider = oidcProvider.Provider

/** The oidc-provider error classes, thrown from handlers to answer with an OAuth error. */
export const errors: typeof import('oidc-provider').errors = oidcProvider.errors
