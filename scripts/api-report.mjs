#!/usr/bin/env node
/**
 * The API report: one `etc/api/<entry>.api.md` per entry point of scripts/entries.json, written
 * by API Extractor from the published declarations (dist/esm/**.d.ts, after stripInternal), so
 * any change to the public surface is a visible diff in review.
 *
 *   npm run api:check    fails when a report differs from the built declarations
 *   npm run api:update   rewrites the reports (commit them with the change)
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor'
import { entries } from './package-exports.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const update = process.argv.includes('--update')
const reportFolder = resolve(root, 'etc/api')
const scratch = mkdtempSync(join(tmpdir(), 'identity-model-api-'))
mkdirSync(reportFolder, { recursive: true })

/** `.` → `identity-model`, `./express` → `express` */
const reportName = (subpath) => (subpath === '.' ? 'identity-model' : subpath.slice(2))

const quiet = { logLevel: 'none', addToApiReportFile: false }
let changed = 0
let failed = 0
const expected = new Set()
for (const [subpath, { source }] of Object.entries(entries)) {
  const name = reportName(subpath)
  expected.add(`${name}.api.md`)
  const config = ExtractorConfig.prepare({
    configObjectFullPath: undefined,
    packageJsonFullPath: resolve(root, 'package.json'),
    configObject: {
      projectFolder: root,
      mainEntryPointFilePath: resolve(root, `dist/esm/${source.slice(4, -3)}.d.ts`),
      compiler: {
        overrideTsconfig: {
          compilerOptions: {
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            target: 'ES2022',
            lib: ['ES2023'],
            types: ['node'],
            strict: true,
            skipLibCheck: true,
          },
          files: [resolve(root, `dist/esm/${source.slice(4, -3)}.d.ts`)],
        },
      },
      apiReport: {
        enabled: true,
        reportFileName: `${name}.api.md`,
        reportFolder,
        reportTempFolder: scratch,
        includeForgottenExports: false,
      },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      newlineKind: 'lf',
      messages: {
        compilerMessageReporting: { default: { logLevel: 'warning' } },
        extractorMessageReporting: {
          default: { logLevel: 'warning', addToApiReportFile: true },
          // No release tags (@public, @beta) in this package: every export is public.
          'ae-missing-release-tag': quiet,
          // A type reachable from the API but not exported by this entry: listed in the report
          // ("not exported"), where review sees it, rather than failing the check.
          'ae-forgotten-export': { logLevel: 'none', addToApiReportFile: true },
          // Missing TSDoc is TypeDoc's to report (npm run docs:api); here it would carry file
          // paths and line numbers into the report, which change with every move.
          'ae-undocumented': quiet,
        },
        // TSDoc style is TypeDoc's to check (npm run docs:api).
        tsdocMessageReporting: { default: quiet },
      },
    },
  })
  const result = Extractor.invoke(config, {
    localBuild: update,
    showVerboseMessages: false,
    messageCallback: (message) => {
      // One line per message, without API Extractor's banners.
      if (message.logLevel === 'none') message.handled = true
    },
  })
  if (result.apiReportChanged) changed++
  if (!result.succeeded && !(update && result.apiReportChanged)) failed++
  console.log(
    `${subpath.padEnd(12)} etc/api/${name}.api.md ${result.apiReportChanged ? (update ? 'updated' : 'CHANGED') : 'unchanged'}`,
  )
}
rmSync(scratch, { recursive: true, force: true })

// A report whose entry point is gone.
for (const file of readdirSync(reportFolder)) {
  if (file.endsWith('.api.md') && !expected.has(file)) {
    if (update) rmSync(join(reportFolder, file))
    else {
      console.log(`etc/api/${file}: no such entry point in scripts/entries.json`)
      changed++
    }
  }
}

if (!update && changed > 0) {
  console.error(
    `api:check: the public API changed (${changed} report(s)); if intended, run npm run api:update and commit etc/api/`,
  )
  process.exit(1)
}
if (failed > 0) {
  console.error(`api:check: API Extractor reported errors for ${failed} entry point(s)`)
  process.exit(1)
}
