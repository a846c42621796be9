import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { renderFiles } from '../../prometheus/config.ts'
import { TRITON_TARGETS_FILE, tritonTargetsJson } from '../../prometheus/scrape.ts'
import { defaultFiles } from '../../prometheus/defaults.ts'
import { ruleGroups, rulesYaml, type AlertRule, type RuleGroup } from '../../prometheus/rules.ts'

const promtool = (...args: string[]) => {
  const result = spawnSync('promtool', args, { encoding: 'utf8' })
  return { code: result.status, output: `${result.stdout}${result.stderr}` }
}

const scratch = mkdtempSync(join(tmpdir(), 'prom-rules-'))

test('committed prometheus.yml, rules.yml and alertmanager.yml equal a fresh generation', () => {
  for (const [name, text] of Object.entries(defaultFiles())) {
    assert.fixture(
      readFileSync(join('prometheus', name), 'utf8'),
      text,
      `prometheus/${name} is stale: run make generate`,
    )
  }
})

test('promtool check rules accepts rules.yml', () => {
  const { code, output } = promtool('check', 'rules', 'prometheus/rules.yml')
  assert.is(code, 0, output)
  assert.match(output, /SUCCESS: 9 rules found/)
})

test('promtool check config accepts a config generated for other names', () => {
  const files = renderFiles({ triton: { targets: ['triton-e2e-1:8002'] }, alertmanagerTarget: 'am-e2e-1:9093' })
  for (const [name, text] of Object.entries(files)) writeFileSync(join(scratch, name), text)
  const { code, output } = promtool('check', 'config', join(scratch, 'prometheus.yml'))
  assert.is(code, 0, output)
  assert.match(readFileSync(join(scratch, 'prometheus.yml'), 'utf8'), /- triton-e2e-1:8002/)
  assert.match(
    readFileSync(join(scratch, 'prometheus.yml'), 'utf8'),
    /alertmanagers:\n.*\n.*targets:\n\s+- am-e2e-1:9093/,
  )
})

test("the steps' config reads Triton from the targets file: promtool accepts it, one target per container by name", () => {
  const files = renderFiles({ triton: { file: TRITON_TARGETS_FILE }, alertmanagerTarget: 'am-replicas:9093' })
  for (const [name, text] of Object.entries(files)) writeFileSync(join(scratch, name), text)
  writeFileSync(join(scratch, TRITON_TARGETS_FILE), tritonTargetsJson(['tm-r', 'tm-r-2', 'tm-r-3']))
  const { code, output } = promtool('check', 'config', join(scratch, 'prometheus.yml'))
  assert.is(code, 0, output)
  assert.match(output, /SUCCESS/)
  assert.equal(JSON.parse(readFileSync(join(scratch, TRITON_TARGETS_FILE), 'utf8')), [
    { targets: ['tm-r:8002', 'tm-r-2:8002', 'tm-r-3:8002'] },
  ])
  // No count in the rendered files: 1 → N → 1 replicas changes neither, so no reload or recreate.
  const one = renderFiles({ triton: { file: TRITON_TARGETS_FILE }, alertmanagerTarget: 'am-replicas:9093' })
  assert.equal(one, files)
  assert.not.match(files['prometheus.yml'], /docker/)
})

test('promtool test rules: a stopped replica stays a target and TritonTargetDown names it', () => {
  writeFileSync(join(scratch, 'rules.yml'), rulesYaml())
  copyFileSync('prometheus/replicas.test.yml', join(scratch, 'replicas.test.yml'))
  const { code, output } = promtool('test', 'rules', join(scratch, 'replicas.test.yml'))
  assert.is(code, 0, output)
  assert.match(output, /SUCCESS/)
})

test('the same tests catch a TritonTargetDown that forgets the instance of the replica that stopped', () => {
  writeFileSync(
    join(scratch, 'rules.yml'),
    rulesYaml().replace(/up\{job="triton"\} == 0/, 'count(up{job="triton"} == 0) > 0'),
  )
  copyFileSync('prometheus/replicas.test.yml', join(scratch, 'replicas.test.yml'))
  const { code, output } = promtool('test', 'rules', join(scratch, 'replicas.test.yml'))
  assert.is.not(code, 0)
  assert.match(output, /TritonTargetDown/)
})

test('promtool test rules: hand-computed expectations hold', () => {
  const { code, output } = promtool('test', 'rules', 'prometheus/rules.test.yml')
  assert.is(code, 0, output)
  assert.match(output, /SUCCESS/)
})

test("the same tests reject the tutorial's avg(duration)/1000 latency", () => {
  const broken: RuleGroup[] = ruleGroups.map((group) => ({
    ...group,
    rules: group.rules.map((rule) =>
      'record' in rule && rule.record === 'model:nv_inference_request_duration_ms:mean1m'
        ? { ...rule, expr: 'avg by (model) (nv_inference_request_duration_us) / 1000' }
        : rule,
    ),
  }))
  writeFileSync(join(scratch, 'rules.yml'), rulesYaml(broken))
  copyFileSync('prometheus/rules.test.yml', join(scratch, 'rules.test.yml'))
  const { code, output } = promtool('test', 'rules', join(scratch, 'rules.test.yml'))
  assert.is.not(code, 0)
  assert.match(output, /model:nv_inference_request_duration_ms:mean1m/)
})

test('the same tests reject a TritonTargetDown that only looks for up == 0 (blind to a target that vanished)', () => {
  const blind: RuleGroup[] = ruleGroups.map((group) => ({
    ...group,
    rules: group.rules.map((rule) =>
      'alert' in rule && rule.alert === 'TritonTargetDown' ? { ...rule, expr: 'up{job="triton"} == 0' } : rule,
    ),
  }))
  writeFileSync(join(scratch, 'rules.yml'), rulesYaml(blind))
  copyFileSync('prometheus/rules.test.yml', join(scratch, 'rules.test.yml'))
  const { code, output } = promtool('test', 'rules', join(scratch, 'rules.test.yml'))
  assert.is.not(code, 0)
  assert.match(output, /alertname: TritonTargetDown/)
  assert.match(output, /No Triton target is left to scrape/)
})

test('every alert has a severity, a summary and a description; durations are only used through rate()', () => {
  const rules = ruleGroups.flatMap((g) => g.rules)
  const alerts = rules.filter((r): r is AlertRule => 'alert' in r)
  assert.equal(
    alerts.map((a) => a.alert),
    ['TritonTargetDown', 'TritonFailureRatioHigh', 'TritonMeanLatencyHigh'],
  )
  for (const a of alerts) {
    assert.ok(['warning', 'critical'].includes(a.labels.severity), a.alert)
    assert.ok(a.annotations.summary && a.annotations.description, a.alert)
  }
  for (const r of rules) {
    const bare = r.expr.replace(/rate\(\w+_duration_us\[\w+\]\)/g, '')
    assert.not.match(
      bare,
      /_duration_us/,
      `${'record' in r ? r.record : r.alert} uses a cumulative _duration_us counter without rate()`,
    )
  }
})

test.after(() => rmSync(scratch, { recursive: true, force: true }))

test.run()
