// Secrets handed to a container as files, without ever showing in `docker inspect` (Env, Cmd,
// Labels, Mounts), in argv or on disk outside the state folder.
//
// Why not bind-mount the state folder's file read-only: the containers run as their own user
// (Grafana uid 472 gid 0, Alertmanager nobody), and the state files are 0600, owned by whoever
// runs the steps. A mounted 0600 file is unreadable inside, and Grafana's run.sh then reads an
// empty GF_SECURITY_ADMIN_PASSWORD__FILE: Grafana starts with admin/admin. Weighed and rejected:
// - chown the file to 472: needs root, and leaves a file the user cannot read back;
// - 0640 plus `--group-add <the file's gid>`: breaks the 0600 rule (any member of a shared group
//   such as `users` that reaches the folder reads it), pins the file's inode (the atomic rename
//   of a rewritten secret never reaches the container), and the gid means nothing under
//   userns-remap or rootless Docker, nor on a remote engine, where no host path can be mounted.
// Chosen: the secret travels as a tar stream on the docker client's stdin (`docker cp - ctr:/`)
// into the container after `create` and before `start`. The tar names the owner (the image's
// user) and mode 0400, so the daemon writes the file as that user: readable by the container's
// process alone, the host copy stays 0600 and the user's, nothing appears in inspect, and it works
// the same on a remote engine and with user namespaces (the daemon maps the ids). The file lives
// in the container's own layer and goes with it; whoever can `docker cp` it out can also
// `docker exec` into the container, so this exposes nothing the engine's users did not have.
// Use: `ensureContainer({ ..., secrets: [{ path, value, uid, gid }] })` (containers.ts copies them).

export interface SecretFile {
  /** Absolute path inside the container, e.g. /run/secrets/grafana-admin-password. */
  path: string
  /** Written as is: add a newline if the reader wants one (Grafana's run.sh strips them anyway). */
  value: string
  /** Owner inside the container: the user the image runs as (its process must read the file). */
  uid: number
  gid: number
}

const BLOCK = 512

/** One field of a ustar header: octal digits, NUL-terminated, in `width` bytes. */
function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`
}

function header(name: string, size: number, file: SecretFile): Buffer {
  const block = Buffer.alloc(BLOCK)
  if (Buffer.byteLength(name) > 100) throw new Error(`secret file path too long for a tar header: ${name}`)
  block.write(name, 0)
  block.write(octal(0o400, 8), 100)
  block.write(octal(file.uid, 8), 108)
  block.write(octal(file.gid, 8), 116)
  block.write(octal(size, 12), 124)
  block.write(octal(Math.floor(Date.now() / 1000), 12), 136)
  block.write(' '.repeat(8), 148)
  block.write('0', 156)
  block.write('ustar\u000000', 257)
  let sum = 0
  for (const byte of block) sum += byte
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148)
  return block
}

/**
 * A tar of the files, paths relative to / and each 0400 owned by its uid:gid. Only the files
 * themselves are entries: missing parent folders are created by the daemon (root, 0755), and
 * existing ones (/run) keep their owner and mode.
 */
export function secretsTar(files: SecretFile[]): Buffer {
  const parts: Buffer[] = []
  for (const file of files) {
    if (!file.path.startsWith('/')) throw new Error(`secret file path must be absolute: ${file.path}`)
    const data = Buffer.from(file.value)
    parts.push(
      header(file.path.slice(1), data.length, file),
      data,
      Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK),
    )
  }
  parts.push(Buffer.alloc(2 * BLOCK))
  return Buffer.concat(parts)
}
