/**
 * Measurement helpers: every contender runs in short interleaved rounds, so the machine's drift
 * (other processes, thermal, GC) hits all of them alike, and the median of the rounds is kept.
 * Figures are meant to be read as ratios between contenders of the same run.
 *
 * With the `wall` clock this runs on any runtime (Bun, Deno, workerd: bench/portable), so it
 * touches `process` only for the `cpu` clock.
 */

export type Task = () => unknown

export interface Contender {
  readonly name: string
  /** Runs one unit of work (one validation, or one batch); may return a promise. */
  readonly run: Task
  /** Validations per unit (1 for sequential, the batch size for concurrent). */
  readonly perRun?: number
}

export interface Measured {
  readonly name: string
  /** Median validations per second over the rounds. */
  readonly opsPerSecond: number
}

/**
 * How time is counted: `wall` (elapsed) for work that spreads over threads, `cpu` (this
 * process's CPU time) for work on one thread, which other processes on a shared machine disturb
 * much less.
 */
export type Clock = 'wall' | 'cpu'

function cpuSeconds(): number {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1e6
}

/** Runs `task` for about `ms` milliseconds of wall time; returns units per second of `clock`. */
async function timed(task: Task, ms: number, clock: Clock): Promise<number> {
  // Start every segment with a clean heap, so one contender's garbage is not collected in
  // another's time (the runner starts node with --expose-gc).
  ;(globalThis as { gc?: () => void }).gc?.()
  let units = 0
  const start = performance.now()
  const cpuStart = clock === 'cpu' ? cpuSeconds() : 0
  const deadline = start + ms
  let now = start
  while (now < deadline) {
    for (let i = 0; i < 16; i++) {
      const result = task()
      if (result instanceof Promise) await result
    }
    units += 16
    now = performance.now()
  }
  const seconds = clock === 'cpu' ? cpuSeconds() - cpuStart : (now - start) / 1000
  return units / seconds
}

/** The median (the mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/**
 * Measures contenders in `rounds` interleaved rounds of `ms` each (after one warm-up round),
 * rotating the order every round.
 */
export async function compare(
  contenders: readonly Contender[],
  options: { rounds?: number; ms?: number; clock?: Clock } = {},
): Promise<Measured[]> {
  const rounds = options.rounds ?? 7
  const ms = options.ms ?? 200
  const clock = options.clock ?? 'wall'
  const samples = contenders.map(() => [] as number[])
  for (const contender of contenders) await timed(contender.run, ms / 2, clock)
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const index = (k + round) % contenders.length
      const contender = contenders[index]!
      samples[index]!.push((await timed(contender.run, ms, clock)) * (contender.perRun ?? 1))
    }
  }
  return contenders.map((contender, index) => ({
    name: contender.name,
    opsPerSecond: median(samples[index]!),
  }))
}

export function ratio(value: number, baseline: number): string {
  return `${(value / baseline).toFixed(2)}x`
}

export function perSecond(value: number): string {
  return value >= 10_000 ? `${Math.round(value / 1000)}k/s` : `${Math.round(value)}/s`
}

/** A markdown table. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}
