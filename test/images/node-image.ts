// A FROM-scratch image running a TypeScript entry with this machine's node: the node binary and the
// libraries ldd lists for it, an esbuild bundle of the entry, and the npm packages that cannot be
// bundled (native addons such as onnxruntime-node, with their .so files and those files' libraries).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { build } from 'esbuild'
import { nodeBundle } from '../../build.ts'
import { buildScratchImage, type BuiltImage, type FileSpec, type ScratchImageSpec } from './scratch-image.ts'

export interface NodeImageSpec extends Omit<ScratchImageSpec, 'files' | 'texts'> {
  /** TypeScript entry, bundled into /app/main.mjs. */
  entry: string
  /** npm packages left out of the bundle and copied to /app/node_modules (list dependencies too). */
  external?: string[]
  /** Commands on PATH (/usr/local/bin) that run the bundle with their arguments, e.g. `tritonserver`. */
  commands?: string[]
  files?: FileSpec[]
  texts?: Record<string, string>
}

export const APP = '/app/main.mjs'
/** The image's /etc/passwd unless `texts` replaces it (append a line to add a user). */
export const NODE_PASSWD = 'root:x:0:0:root:/root:/bin/node\nnobody:x:65534:65534:nobody:/nonexistent:/bin/node\n'

/** Prebuilt native binaries for other systems are dead weight in a linux/x64 image. */
const otherPlatforms = /(^|\/)(darwin|win32|linux\/(?!x64)[^/]+)\//

async function bundle(entry: string, external: string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'node-image-'))
  try {
    const outfile = join(dir, 'main.mjs')
    await build({ ...nodeBundle, entryPoints: [entry], outfile, external, legalComments: 'none' })
    return readFileSync(outfile, 'utf8')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * Builds (or reuses, when nothing changed) the image and returns its content-addressed reference.
 * Default entrypoint: `/bin/node /app/main.mjs`; with `commands`, the image instead runs whatever
 * command it is given, like NVIDIA's images do.
 */
export async function buildNodeImage(spec: NodeImageSpec, progress?: (line: string) => unknown): Promise<BuiltImage> {
  const { entry, external = [], commands = [], files = [], texts = {}, ...settings } = spec
  const shims = Object.fromEntries(
    commands.map((name) => [
      `/usr/local/bin/${name}`,
      // A CommonJS shim (no extension) that loads the ESM bundle; argv after the command is kept.
      `#!/bin/node\nimport(${JSON.stringify(APP)})\n`,
    ]),
  )
  return buildScratchImage(
    {
      ...settings,
      files: [
        { from: process.execPath, to: '/bin/node' },
        ...external.map((name) => ({
          from: resolve('node_modules', name),
          to: `/app/node_modules/${name}`,
          skip: otherPlatforms,
        })),
        ...files,
      ],
      texts: {
        [APP]: await bundle(entry, external),
        '/etc/passwd': NODE_PASSWD,
        '/etc/group': 'root:x:0:\nnogroup:x:65534:\n',
        ...shims,
        ...texts,
      },
      writable: ['/tmp', ...(settings.writable ?? [])],
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', ...settings.env },
      entrypoint: settings.entrypoint ?? (commands.length ? undefined : ['/bin/node', APP]),
    },
    progress,
  )
}
