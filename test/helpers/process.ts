// Runs a command to its end with its output collected, and kills it when it outlives its
// deadline, so no test can hang on a child that never exits.
import { spawn } from 'node:child_process'
import { repoRoot } from './paths.ts'

export interface Result {
  code: number | null
  stdout: string
  stderr: string
  /** stdout and stderr without colors, for matching. */
  text: string
}

export interface RunOptions {
  /** Working folder (the repository by default). */
  cwd?: string
  /** Added to this process's environment. */
  env?: Record<string, string>
  /** The whole environment instead, so nothing of the machine running the tests leaks in. */
  onlyEnv?: Record<string, string>
  timeoutMs?: number
}

const strip = (text: string) => text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')

export function runProcess(command: string, args: string[], options: RunOptions = {}): Promise<Result> {
  const { cwd = repoRoot, env = {}, onlyEnv, timeoutMs = 300_000 } = options
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: onlyEnv ?? { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => {
      stdout += c
    })
    child.stderr.on('data', (c: Buffer) => {
      stderr += c
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('error', reject)
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr, text: strip(stdout + stderr) })
    })
  })
}
