// Runs a bundled step as another user (`nobody`), as a test that plays that user needs. A clone
// in a private folder (a home folder, or `mktemp -d`: mode 0700) is closed to that user, so the
// step is copied into a folder of its own it can read, and runs from there; a machine where it
// cannot (not root, no runuser, a node binary it cannot run) skips, saying why.
import { spawnSync } from 'node:child_process'
import { chmodSync, copyFileSync, cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { repoRoot } from './paths.ts'
import { type Result, runProcess } from './process.ts'

export const NOBODY = 'nobody'

/** Why this machine cannot run a step as `nobody`, or undefined when it can. */
export function cannotPlayNobody(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to run a step as another user'
  if (spawnSync('runuser', ['--help']).status !== 0) return 'needs runuser to run a step as another user'
  const node = spawnSync('runuser', ['-u', NOBODY, '--', process.execPath, '--version'], { cwd: '/' })
  if (node.status !== 0) return `${NOBODY} cannot run ${process.execPath} (a node in a private folder)`
  return undefined
}

/** Runs dist/scripts/<name>.mjs as `nobody` from a copy it can read, with `env` added. */
export async function runStepAsNobody(name: string, env: Record<string, string>, timeoutMs = 60_000): Promise<Result> {
  const folder = mkdtempSync(join(tmpdir(), `as-${NOBODY}-${name}-`))
  try {
    chmodSync(folder, 0o755)
    const copy = join(folder, `${name}.mjs`)
    copyFileSync(join(repoRoot, 'dist/scripts', `${name}.mjs`), copy)
    chmodSync(copy, 0o644)
    // What steps load on some paths only (build.ts puts it in chunks/) comes along, readable by that user too.
    const chunks = join(repoRoot, 'dist/scripts/chunks')
    if (existsSync(chunks)) {
      cpSync(chunks, join(folder, 'chunks'), { recursive: true })
      spawnSync('chmod', ['-R', 'a+rX', join(folder, 'chunks')])
    }
    return await runProcess('runuser', ['-u', NOBODY, '--', process.execPath, copy], {
      cwd: folder,
      env: { HOME: '/tmp', ...env },
      timeoutMs,
    })
  } finally {
    rmSync(folder, { recursive: true, force: true })
  }
}
