/** Scenario 6: allocation per validation and heap after 1,000,000 validations. */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { table } from '../lib/measure.js'

const run = promisify(execFile)

export async function memory(total: number): Promise<{ markdown: string; checks: string[] }> {
  const { stdout } = await run(
    process.execPath,
    [
      '--expose-gc',
      '--max-semi-space-size=64',
      '--import',
      'tsx',
      'bench/memory-child.ts',
      String(total),
    ],
    { maxBuffer: 1 << 20, timeout: 600_000 },
  )
  const r = JSON.parse(stdout.trim().split('\n').pop()!) as {
    perValidation: number
    start: number
    peak: number
    end: number
    total: number
    seconds: number
  }
  const kb = r.perValidation / 1024
  const bounded = r.end - r.start < 10
  return {
    markdown: `### 6. Memory (RS256, discovery mode, 10,000 distinct tokens)\n\n${table(
      [
        'allocated per validation',
        'heap before',
        'peak (sampled)',
        'heap after GC',
        'validations',
        'time',
      ],
      [
        [
          Number.isNaN(kb) ? 'n/a (GC interfered)' : `${kb.toFixed(2)} KB`,
          `${r.start.toFixed(1)} MB`,
          `${r.peak.toFixed(1)} MB`,
          `${r.end.toFixed(1)} MB`,
          r.total.toLocaleString('en'),
          `${r.seconds.toFixed(1)} s`,
        ],
      ],
    )}`,
    checks: [
      `allocation: ${kb.toFixed(2)} KB per validation (target <= ~3 KB) ${kb <= 3 ? 'met' : 'MISSED'}`,
      `memory: heap grew ${(r.end - r.start).toFixed(1)} MB over ${r.total.toLocaleString('en')} validations ${bounded ? 'bounded' : 'GREW'}`,
    ],
  }
}
