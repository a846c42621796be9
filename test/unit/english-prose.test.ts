// The check behind the Chinese run in e2e/alerts: English prose in a line is flagged, while the
// names, commands, units, identifiers and URLs a Chinese line keeps are not.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { englishProse, linesWithEnglish } from '../helpers/english-prose.ts'

test('English sentences and table heads are flagged', () => {
  assert.equal(englishProse('  Requests    1000 in 0.652 s: 1000 ok, no errors').length, 1)
  assert.equal(englishProse("  替代: amtool alert query  (or curl 'http://localhost:9093/api/v2/alerts')"), [])
  assert.equal(englishProse('  the replica count changed: run make prometheus').length, 1)
  assert.equal(englishProse('  JOB     INSTANCE     ENDPOINT'), ['JOB INSTANCE ENDPOINT'])
  assert.equal(englishProse('prometheus: built in 1.2s'), ['built in'])
})

test('names, commands, units, identifiers, URLs and the replaced command pass', () => {
  const fine = [
    '  ✔ promtool check config：有效（本机 promtool）',
    '  ✔ 数据源 Prometheus（uid triton-prometheus，http://tm-x-prometheus:9090）已存在，保留',
    '  替代：docker network create ai-monitor-net',
    '  吞吐量      1534.47 次/秒 （成功的请求）',
    '  ✔ 仪表盘 "Triton Inference Server"：http://127.0.0.1:3000/d/triton-monitoring/triton-inference-server',
    '  TritonTargetDown  触发中  triton:8002',
    '  \x1b[32m✔\x1b[0m GPU：此引擎没有 NVIDIA 运行时：--gpus auto 会在 CPU 上运行 Triton',
  ]
  assert.equal(linesWithEnglish(fine.join('\n')), [])
})

test.run()
