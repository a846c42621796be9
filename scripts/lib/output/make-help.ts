// The Makefile's own help: a target line with its text, `name: prerequisites ## what it does`.
// `make help` prints these through the catalog; the catalog test reads them the same way.

const TARGET = /^([a-z][\w-]*):[^#=]*## (.+)$/

export interface MakeTarget {
  name: string
  help: string
  /** 1-based line in the Makefile, for a test to name. */
  line: number
}

export function makeTargets(makefile: string): MakeTarget[] {
  return makefile.split('\n').flatMap((text, i) => {
    const match = TARGET.exec(text)
    return match ? [{ name: match[1]!, help: match[2]!.trim(), line: i + 1 }] : []
  })
}
