// The stand-in's scheduler with a session we hold open: what queues while every instance is busy
// runs as one batch of at most max_batch_size (dynamic batching), or one request per execution
// without dynamic_batching; each request gets back exactly its own rows; counters follow.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { InferenceSession, Tensor } from 'onnxruntime-node'
import { readModelConfig } from '../standins/triton/config.ts'
import { LoadedModel, loadOrt, now } from '../standins/triton/model.ts'

/** An identity "model" whose executions finish only when the test releases them. */
function heldSession() {
  const batches: number[] = []
  const waiting: (() => void)[] = []
  const session = {
    inputNames: ['x'],
    outputNames: ['y'],
    async run(feeds: Record<string, Tensor>) {
      const x = feeds.x!
      batches.push(x.dims[0]!)
      await new Promise<void>((resolve) => waiting.push(resolve))
      const ort = await loadOrt()
      return { y: new ort.Tensor('float32', Float32Array.from(x.data as Float32Array), x.dims) }
    },
  }
  // Executions start on later turns of the event loop, one only after the one before has loaded
  // onnxruntime (its first import takes a while on a busy machine): wait for them with a deadline,
  // not a count of turns, which a loaded machine used up before the import ended (uvu then saw the
  // loop empty and exited early).
  const turns = async (until: () => boolean, deadlineMs = 10_000) => {
    const deadline = Date.now() + deadlineMs
    while (!until() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1))
  }
  const release = async () => {
    await turns(() => waiting.length > 0)
    waiting.shift()?.()
  }
  const executing = (n: number) => turns(() => batches.length >= n)
  return { session: session as unknown as InferenceSession, batches, release, executing }
}

const config = (batching: string) =>
  readModelConfig(
    `name: "m"
backend: "onnxruntime"
max_batch_size: 8
input [ { name: "x", data_type: TYPE_FP32, dims: [ 2 ] } ]
output [ { name: "y", data_type: TYPE_FP32, dims: [ 2 ] } ]
instance_group [ { count: 1, kind: KIND_CPU } ]
${batching}`,
    'm',
  )

/** A request of `n` rows whose values identify it: row r of request `id` is [id, r]. */
const rows = (id: number, n: number) =>
  Float32Array.from({ length: n * 2 }, (_, i) => (i % 2 === 0 ? id : Math.floor(i / 2)))

async function runFour(batching: string) {
  const held = heldSession()
  const model = new LoadedModel(config(batching), 1, [held.session], undefined)
  const sizes = [1, 2, 3, 4]
  const send = (id: number) =>
    model.infer([{ name: 'x', datatype: 'FP32', shape: [sizes[id]!, 2], data: rows(id, sizes[id]!) }], [], now())
  const replies = [send(0)]
  await held.executing(1)
  replies.push(send(1), send(2), send(3))
  let done = false
  const all = Promise.all(replies).finally(() => {
    done = true
  })
  // One release per execution; never more than one per request.
  for (let i = 0; i < sizes.length && !done; i++) await held.release()
  const outputs = await all
  outputs.forEach((out, id) => {
    assert.equal(out[0]!.shape, [sizes[id], 2])
    assert.equal(
      Array.from(out[0]!.data as Float32Array),
      Array.from(rows(id, sizes[id]!)),
      `request ${id} gets its own rows`,
    )
  })
  return { batches: held.batches, stats: model.stats }
}

test('dynamic batching: requests queued behind a busy instance run together, up to max_batch_size', async () => {
  const { batches, stats } = await runFour('dynamic_batching { }')
  // The first runs alone; 2+3 queued behind it fit in 8, adding 4 would make 9; then 4.
  assert.equal(batches, [1, 5, 4])
  assert.is(stats.executionCount, 3)
  assert.is(stats.inferenceCount, 10)
  assert.is(stats.success.count, 4)
  assert.equal([...stats.batchStats.keys()].sort(), [1, 4, 5])
})

test('without dynamic_batching each request is its own execution', async () => {
  const { batches, stats } = await runFour('')
  assert.equal(batches, [1, 2, 3, 4])
  assert.is(stats.executionCount, 4)
  assert.is(stats.inferenceCount, 10)
})

test.run()
