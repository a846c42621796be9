// A bind-mounted folder deleted and made again at the same path is another directory: the
// container keeps seeing the deleted one, so the step must tell it from "same path, same mount".
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createArgs,
  MOUNT_IDS_LABEL,
  mountIds,
  remadeSources,
  type ContainerSpec,
} from '../../scripts/lib/engine/spec.ts'

const work = mkdtempSync(join(tmpdir(), 'mount-ids-'))
const folder = join(work, 'state')
mkdirSync(folder)
const spec: ContainerSpec = { name: 'p', image: 'i', mounts: [{ type: 'bind', source: folder, target: '/etc/p' }] }

test('create records each bind-mounted folder by device and inode', () => {
  const args = createArgs(spec)
  assert.ok(args.includes(`${MOUNT_IDS_LABEL}=${JSON.stringify(mountIds(spec))}`), args.join(' '))
})

test('the same folder is not remade; the folder deleted and made again is', () => {
  const labels = { [MOUNT_IDS_LABEL]: JSON.stringify(mountIds(spec)) }
  assert.equal(remadeSources(spec, labels), [])
  // Moved away rather than deleted, so the new folder cannot get the freed inode back: what the
  // container holds on to after `rm -rf` is the same, a directory that is no longer at the path.
  renameSync(folder, join(work, 'gone'))
  mkdirSync(folder)
  assert.equal(remadeSources(spec, labels), [folder])
})

test('a container made before the label existed is kept as before', () => {
  assert.equal(remadeSources(spec, {}), [])
  assert.equal(remadeSources(spec, { [MOUNT_IDS_LABEL]: 'not json' }), [])
})

test.after(() => rmSync(work, { recursive: true, force: true }))
test.run()
