// The Grafana stand-in as a process and as its Docker image: configured by the same GF_* variables
// as the grafana/grafana image, data in GF_PATHS_DATA (/var/lib/grafana). Run as the image's
// entrypoint it does what run.sh does first (GF_*__FILE); run as `grafana cli …` (the command on
// the image's PATH) it is the CLI, `grafana server` the server alone.
// GF_SERVER_HTTP_PORT=0 picks a free port; the "HTTP Server Listen" line says which.
import { basename } from 'node:path'
import { grafanaCli } from './cli.ts'
import { resolveFileSecrets } from './run-sh.ts'
import { createGrafanaStandin } from './server.ts'

const env = process.env
const [command, ...args] = basename(process.argv[1] ?? '') === 'grafana' ? process.argv.slice(2) : ['run.sh']
if (command === 'cli') process.exit(grafanaCli(args, env))
if (command !== 'server' && command !== 'run.sh') {
  process.stdout.write(`grafana: '${command}' is not a grafana command. See 'grafana --help'.\n`)
  process.exit(1)
}
if (command === 'run.sh') {
  const stop = resolveFileSecrets(env)
  if (stop !== undefined) process.exit(stop)
}
const { server } = createGrafanaStandin({ dataDir: env.GF_PATHS_DATA || '/var/lib/grafana', env })
const port = Number(env.GF_SERVER_HTTP_PORT ?? 3000)
server.listen(port, env.GF_SERVER_HTTP_ADDR || '0.0.0.0', () => {
  const address = server.address()
  const bound = typeof address === 'object' && address ? `${address.address}:${address.port}` : String(address)
  process.stdout.write(`logger=http.server level=info msg="HTTP Server Listen" address=${bound} protocol=http\n`)
})
// PID 1 in a container gets no default signal handling: without this `docker stop` waits 10 s.
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.on(signal, () => server.close(() => process.exit(0)).closeAllConnections())
