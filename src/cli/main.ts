#!/usr/bin/env node
/**
 * The `identity-model` executable (package `bin`). All logic is in run.ts.
 *
 * @packageDocumentation
 */
import { readProcessStdin } from './context.js'
import { run } from './run.js'

const code = await run(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  readStdin: readProcessStdin,
})
// exitCode, not exit(): pending writes to a pipe are flushed before the process ends.
process.exitCode = code
