// The webhook receiver stand-in as a process and the entry of its image: listens on WEBHOOK_PORT
// (8080) on every interface, so Alertmanager reaches it by container name on the network;
// WEBHOOK_STATUS=500 makes it a receiver that fails every delivery.
import { createWebhookStandin } from './server.ts'

const { server } = createWebhookStandin(Number(process.env.WEBHOOK_STATUS ?? 200))
server.listen(Number(process.env.WEBHOOK_PORT ?? 8080), '0.0.0.0', () => {
  process.stdout.write(`webhook receiver listening on ${JSON.stringify(server.address())}\n`)
})
// PID 1 in a container gets no default signal handling: without this `docker stop` waits 10 s.
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.on(signal, () => server.close(() => process.exit(0)).closeAllConnections())
