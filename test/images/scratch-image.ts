// Builds a FROM-scratch image out of files on this machine: the chosen files, every shared library
// `ldd` lists for the ELF files among them, and the image settings, imported with `docker import`
// (no registry, no base image, no BuildKit needed). The tag is a hash of every input, so an image
// that already exists with that tag is reused and a re-run costs only the hashing.
import { createHash } from 'node:crypto'
import {
  chmodSync,
  closeSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { $ } from 'zx'
import { t } from '../../scripts/lib/output/i18n.ts'

export interface FileSpec {
  /** File or folder on this machine (symlinks are followed). */
  from: string
  /** Absolute path in the image. */
  to: string
  /** Paths under a copied folder to leave out (matched against the path relative to `from`). */
  skip?: RegExp
}

export interface ScratchImageSpec {
  /** Repository part of the tag, e.g. `triton-monitoring/prometheus`; the tag is the input hash. */
  repository: string
  files: FileSpec[]
  /** Small generated files: path in the image → content. A leading `#!` makes one executable. */
  texts?: Record<string, string>
  /** Empty folders anyone may write to (mode 1777), e.g. a data folder and /tmp. */
  writable?: string[]
  entrypoint?: string[]
  cmd?: string[]
  env?: Record<string, string>
  user?: string
  workdir?: string
  expose?: number[]
  /** Image VOLUMEs: each container gets an anonymous volume there unless one is mounted. */
  volumes?: string[]
}

export interface BuiltImage {
  ref: string
  /** False when an image with the same inputs existed already. */
  built: boolean
}

interface Entry {
  /** Path in the image. */
  to: string
  source: { file: string } | { text: string }
  mode: number
}

function isElf(path: string): boolean {
  const fd = openSync(path, 'r')
  try {
    const head = Buffer.alloc(4)
    return readSync(fd, head, 0, 4, 0) === 4 && head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))
  } finally {
    closeSync(fd)
  }
}

function walk(spec: FileSpec): Entry[] {
  const stat = statSync(spec.from)
  if (!stat.isDirectory()) return [{ to: spec.to, source: { file: spec.from }, mode: stat.mode & 0o777 }]
  const entries: Entry[] = []
  const visit = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name)
      const rel = relative(spec.from, path)
      if (spec.skip?.test(rel)) continue
      const s = statSync(path)
      if (s.isDirectory()) visit(path)
      else if (s.isFile()) entries.push({ to: join(spec.to, rel), source: { file: path }, mode: s.mode & 0o777 })
    }
  }
  visit(spec.from)
  return entries
}

/** Libraries the dynamic linker loads for `path`, as absolute paths on this machine. */
async function sharedLibraries(path: string): Promise<string[]> {
  const out = await $({ quiet: true, nothrow: true })`ldd ${path}`
  // "not a dynamic executable" (static binaries) has no libraries to add.
  if (out.exitCode !== 0) return []
  const libraries: string[] = []
  for (const line of out.stdout.split('\n')) {
    const match = line.match(/=>\s*(\/\S+)/) ?? line.match(/^\s*(\/\S+)\s+\(/)
    if (match) libraries.push(match[1]!)
  }
  return libraries
}

async function collect(spec: ScratchImageSpec): Promise<Entry[]> {
  const entries = spec.files.flatMap(walk)
  const sourceRoots = spec.files.map((f) => realpathSync(f.from))
  const inside = (file: string) => sourceRoots.some((root) => file === root || file.startsWith(`${root}/`))
  const libraries = new Set<string>()
  for (const entry of entries) {
    if ('file' in entry.source && isElf(entry.source.file)) {
      for (const lib of await sharedLibraries(entry.source.file)) {
        // Libraries inside copied folders are found there through $ORIGIN; the rest go where ldd found them.
        if (!inside(realpathSync(lib))) libraries.add(lib)
      }
    }
  }
  for (const lib of [...libraries].sort()) entries.push({ to: lib, source: { file: lib }, mode: 0o755 })
  for (const [to, text] of Object.entries(spec.texts ?? {})) {
    entries.push({ to, source: { text }, mode: text.startsWith('#!') ? 0o755 : 0o644 })
  }
  return entries.sort((a, b) => a.to.localeCompare(b.to))
}

function changes(spec: ScratchImageSpec): string[] {
  const list = ['LABEL io.triton-monitoring.test-image=true']
  if (spec.env) for (const [k, v] of Object.entries(spec.env)) list.push(`ENV ${k}=${v}`)
  if (spec.user) list.push(`USER ${spec.user}`)
  if (spec.workdir) list.push(`WORKDIR ${spec.workdir}`)
  for (const port of spec.expose ?? []) list.push(`EXPOSE ${port}`)
  if (spec.volumes?.length) list.push(`VOLUME ${JSON.stringify(spec.volumes)}`)
  if (spec.entrypoint) list.push(`ENTRYPOINT ${JSON.stringify(spec.entrypoint)}`)
  if (spec.cmd) list.push(`CMD ${JSON.stringify(spec.cmd)}`)
  return list
}

function inputHash(entries: Entry[], spec: ScratchImageSpec): string {
  const hash = createHash('sha256')
  hash.update(JSON.stringify({ changes: changes(spec), writable: spec.writable ?? [] }))
  for (const entry of entries) {
    hash.update(`\0${entry.to}\0${entry.mode}\0`)
    hash.update('file' in entry.source ? readFileSync(entry.source.file) : entry.source.text)
  }
  return hash.digest('hex').slice(0, 20)
}

async function imageExists(ref: string): Promise<boolean> {
  return (await $({ quiet: true, nothrow: true })`docker image inspect --format {{.Id}} ${ref}`).exitCode === 0
}

export async function buildScratchImage(
  spec: ScratchImageSpec,
  progress: (line: string) => unknown = (line) => process.stderr.write(`${line}\n`),
): Promise<BuiltImage> {
  const entries = await collect(spec)
  const ref = `${spec.repository}:${inputHash(entries, spec)}`
  if (await imageExists(ref)) {
    progress(t('{ref}: up to date', { ref }))
    return { ref, built: false }
  }
  const stage = mkdtempSync(join(tmpdir(), 'scratch-image-'))
  try {
    const root = join(stage, 'root')
    for (const entry of entries) {
      const target = join(root, entry.to)
      mkdirSync(dirname(target), { recursive: true })
      if ('file' in entry.source) copyFileSync(entry.source.file, target)
      else writeFileSync(target, entry.source.text)
      chmodSync(target, entry.mode)
    }
    for (const dir of spec.writable ?? []) {
      mkdirSync(join(root, dir), { recursive: true })
      chmodSync(join(root, dir), 0o1777)
    }
    const tarball = join(stage, 'root.tar')
    await $({ quiet: true })`tar --create --file ${tarball} --numeric-owner --owner=0 --group=0 --directory ${root} .`
    const size = (statSync(tarball).size / 1e6).toFixed(0)
    progress(t('{ref}: importing {entriesLength} files ({size} MB)', { ref, entriesLength: entries.length, size }))
    const args = changes(spec).flatMap((c) => ['--change', c])
    await $({ quiet: true })`docker import ${args} ${tarball} ${ref}`
    return { ref, built: true }
  } finally {
    rmSync(stage, { recursive: true, force: true })
  }
}
