// What 02-triton checks in a model repository before a running Triton is touched
// (scripts/lib/triton/model-repository.ts): each problem named, and a repository Triton serves passes.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { modelProblem } from '../../scripts/lib/triton/model-repository.ts'
import { addMnist, tempRepository } from '../helpers/model-repository.ts'

const problem = (setup: (model: string) => void): string | undefined => {
  const repo = tempRepository()
  try {
    addMnist(repo.dir)
    setup(join(repo.dir, 'mnist_mlp'))
    return modelProblem(repo.dir, 'mnist_mlp')?.cause_
  } finally {
    repo.remove()
  }
}

test('the committed models/ passes, and so does a later version folder holding the model', () => {
  assert.is(modelProblem('models', 'mnist_mlp'), undefined)
  assert.is(
    problem((m) => renameSync(join(m, '1'), join(m, '3'))),
    undefined,
  )
})

test('each problem is named', () => {
  assert.match(problem((m) => rmSync(join(m, 'config.pbtxt'))) ?? '', 'has no model "mnist_mlp"')
  assert.match(
    problem((m) => writeFileSync(join(m, 'config.pbtxt'), 'name: "other"\nplatform: "onnxruntime_onnx"\n')) ?? '',
    'config.pbtxt names the model "other", but its folder is "mnist_mlp"',
  )
  assert.match(problem((m) => rmSync(join(m, '1'), { recursive: true })) ?? '', 'it has no version folder')
  assert.match(problem((m) => rmSync(join(m, '1', 'model.onnx'))) ?? '', 'version 1 has no model.onnx')
  assert.match(
    problem((m) => writeFileSync(join(m, '1', 'model.onnx'), 'not an onnx file')) ?? '',
    'is not an ONNX model',
  )
  assert.match(problem((m) => writeFileSync(join(m, '1', 'model.onnx'), '')) ?? '', 'is not an ONNX model')
  // The highest version is the one Triton loads by default: an empty 2/ hides a good 1/.
  assert.match(problem((m) => mkdirSync(join(m, '2'))) ?? '', 'version 2 has no model.onnx')
})

test('nested names (inputs, outputs) and comments are not the model name; default_model_filename is honoured', () => {
  assert.is(
    problem((m) =>
      writeFileSync(
        join(m, 'config.pbtxt'),
        '# name: "commented"\nplatform: "onnxruntime_onnx"\ninput [ { name: "input" } ]\nname: "mnist_mlp"\n',
      ),
    ),
    undefined,
  )
  assert.match(
    problem((m) =>
      writeFileSync(join(m, 'config.pbtxt'), 'platform: "onnxruntime_onnx"\ndefault_model_filename: "net.onnx"\n'),
    ) ?? '',
    'version 1 has no net.onnx',
  )
})

test.run()
