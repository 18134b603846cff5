/**
 * Keeps oidc-provider's start-up chatter out of the demo and test output.
 *
 * oidc-provider prints "NOTICE" lines (defaults it wants you to change, experimental
 * features) and a few "WARNING" lines that are expected in a testbed (Node 20 is "unsupported"
 * but works; development interactions are on by design). Those are dropped; every other line,
 * including any other oidc-provider WARNING, still goes through.
 */

const PREFIX = /^oidc-provider (NOTICE|WARNING): (.*)/s
const ESC = '\u001b['
const EXPECTED_WARNINGS = [
  'Unsupported runtime.',
  'a quick start development-only feature devInteractions is enabled',
]

function isExpectedChatter(args: readonly unknown[]): boolean {
  const [first] = args
  if (args.length !== 1 || typeof first !== 'string') return false
  // Colour codes are added when the stream is a TTY; match the text behind them.
  const text = first.startsWith(ESC) ? first.slice(first.indexOf('m') + 1) : first
  const match = PREFIX.exec(text)
  if (!match) return false
  if (match[1] === 'NOTICE') return true
  return EXPECTED_WARNINGS.some((expected) => match[2]?.startsWith(expected))
}

type ConsoleMethod = (...args: unknown[]) => void

let holders = 0
let restore: (() => void) | undefined

function filtered(original: ConsoleMethod): ConsoleMethod {
  return (...args) => {
    if (!isExpectedChatter(args)) original(...args)
  }
}

/**
 * Filters the expected oidc-provider chatter until the returned function is called.
 * Calls nest: the console is restored when the last holder releases it.
 */
export function muteProviderChatter(): () => void {
  if (holders++ === 0) {
    const { info, warn } = console
    const quietInfo = filtered(info.bind(console))
    const quietWarn = filtered(warn.bind(console))
    console.info = quietInfo
    console.warn = quietWarn
    restore = () => {
      // Leave the console alone if something else replaced these methods after us.
      if (console.info === quietInfo) console.info = info
      if (console.warn === quietWarn) console.warn = warn
    }
  }
  let released = false
  return () => {
    if (released) return
    released = true
    if (--holders === 0) restore?.()
  }
}
