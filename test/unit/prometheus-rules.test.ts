import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { prometheusConfig, renderFiles } from '../../prometheus/config.ts'
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

/** The files 03-prometheus renders for `replicas` Triton replicas found through Docker. */
const replicaFiles = (replicas: number, network = 'tm.replicas-net') =>
  renderFiles({
    triton: { docker: { host: 'unix:///var/run/docker.sock', network, service: 'tm-replicas', replicas } },
    alertmanagerTarget: 'am-replicas:9093',
  })

test('several replicas: promtool accepts the Docker discovery, which keeps the metrics port and names the container', () => {
  for (const [name, text] of Object.entries(replicaFiles(3))) writeFileSync(join(scratch, name), text)
  const { code, output } = promtool('check', 'config', join(scratch, 'prometheus.yml'))
  assert.is(code, 0, output)
  const triton = prometheusConfig({
    triton: { docker: { host: 'unix:///x.sock', network: 'tm.replicas-net', service: 'tm-replicas', replicas: 3 } },
    alertmanagerTarget: 'am-replicas:9093',
  }).scrape_configs[0]!
  assert.equal(triton.docker_sd_configs?.[0]?.filters, [
    { name: 'label', values: ['io.triton-monitoring.triton=tm-replicas'] },
    { name: 'network', values: ['tm.replicas-net'] },
  ])
  // The dot of the network name is matched literally, not as "any character".
  assert.is(triton.relabel_configs?.[0]?.regex, 'tm\\.replicas-net;8002')
  assert.equal(triton.relabel_configs?.[1], {
    source_labels: ['__meta_docker_container_name'],
    regex: '/(.+)',
    target_label: 'instance',
    replacement: '$1:8002',
  })
})

test('the replica alert is rendered for two or more replicas only, with the count it expects', () => {
  assert.not.match(defaultFiles()['rules.yml'], /TritonReplicaMissing/)
  assert.not.match(
    renderFiles({ triton: { targets: ['a:8002'] }, alertmanagerTarget: 'am:9093' })['rules.yml'],
    /TritonReplicaMissing/,
  )
  assert.match(replicaFiles(2)['rules.yml'], /expr: count\(up\{job="triton"\}\) < 2\n/)
  writeFileSync(join(scratch, 'rules.yml'), replicaFiles(3)['rules.yml'])
  const { code, output } = promtool('check', 'rules', join(scratch, 'rules.yml'))
  assert.is(code, 0, output)
  assert.match(output, /SUCCESS: 10 rules found/)
})

test('promtool test rules: a replica that leaves discovery fires TritonReplicaMissing, and only it', () => {
  writeFileSync(join(scratch, 'rules.yml'), replicaFiles(3)['rules.yml'])
  copyFileSync('prometheus/replicas.test.yml', join(scratch, 'replicas.test.yml'))
  const { code, output } = promtool('test', 'rules', join(scratch, 'replicas.test.yml'))
  assert.is(code, 0, output)
  assert.match(output, /SUCCESS/)
})

test('the same tests catch an alert on `up == 0`, which never sees a replica leave', () => {
  const blind = replicaFiles(3)['rules.yml'].replace(
    /count\(up\{job="triton"\}\) < 3/,
    'count(up{job="triton"} == 0) > 0',
  )
  writeFileSync(join(scratch, 'rules.yml'), blind)
  copyFileSync('prometheus/replicas.test.yml', join(scratch, 'replicas.test.yml'))
  const { code, output } = promtool('test', 'rules', join(scratch, 'replicas.test.yml'))
  assert.is.not(code, 0)
  assert.match(output, /TritonReplicaMissing/)
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
