/**
 * `npm run docs:api`: the API reference of every entry point (scripts/entries.json) as HTML in
 * docs/api/ (generated, not committed), with the README as its front page. TypeDoc's validation
 * reports exports that are not documented and types reachable from the API that no entry point
 * exports.
 */
import { readFileSync } from 'node:fs'
import { OptionDefaults } from 'typedoc'

const { entries } = JSON.parse(
  readFileSync(new URL('./scripts/entries.json', import.meta.url), 'utf8'),
)

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  name: 'identity-model',
  entryPoints: Object.values(entries).map(({ source }) => source),
  tsconfig: 'tsconfig.build.json',
  out: 'docs/api',
  readme: 'README.md',
  excludeInternal: true,
  // @warning marks what a caller must not get wrong (a shared store, a global cache).
  blockTags: [...OptionDefaults.blockTags, '@warning'],
  excludePrivate: true,
  sort: ['kind', 'alphabetical'],
  validation: { notExported: true, invalidLink: true, notDocumented: true },
  // Every export needs TSDoc; members are documented where they need it.
  requiredToBeDocumented: ['Function', 'Class', 'Interface', 'TypeAlias', 'Variable', 'Enum'],
  treatWarningsAsErrors: false,
  gitRevision: 'main',
  disableSources: true,
}
