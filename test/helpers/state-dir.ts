// A fresh STATE_DIR per test for suites that call the state-folder code in-process: the secrets
// module remembers the folders it has already checked, so each test needs a path of its own.
import { join } from 'node:path'

/** Returns a function that points STATE_DIR at a new folder under `work` and returns its path. */
export function stateDirs(work: string): () => string {
  let n = 0
  return () => {
    const dir = join(work, `state-${n++}`)
    process.env.STATE_DIR = dir
    return dir
  }
}
