// The Grafana client's own deadline: a server that takes the connection and never answers ends
// the call with a cause and a fix, instead of hanging the step for undici's five minutes.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createServer, type Socket } from 'node:net'
import { StepError } from '../../scripts/lib/step/fail.ts'
import { grafana } from '../../scripts/lib/grafana/client.ts'
import { settleWithin } from '../helpers/settle-within.ts'

const sockets = new Set<Socket>()
const silent = createServer((socket) => {
  sockets.add(socket)
})
await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
const base = `http://127.0.0.1:${(silent.address() as { port: number }).port}`

test.after(() => {
  for (const socket of sockets) socket.destroy()
  silent.close()
})

test('a Grafana that never answers fails the call after the deadline, naming it', async () => {
  const outcome = await settleWithin(grafana(base, { token: 'glsa_neveranswered_0000' }, 300).GET('/user'), 10_000)
  assert.instance(outcome, StepError, String(outcome))
  assert.match((outcome as StepError).cause_, /did not answer within 0\.3 s/)
  assert.match((outcome as StepError).fix, /docker logs/)
})

test.run()
