import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { assertDistinctPorts, loadConfig, url } from '../../scripts/lib/step/config.ts'
import { StepError } from '../../scripts/lib/step/fail.ts'

test('defaults are the tutorial values, published on loopback', () => {
  const config = loadConfig({})
  assert.is(config.network, 'ai-monitor-net')
  assert.is(config.triton.container, 'triton')
  assert.is(config.triton.httpPort, 8000)
  assert.is(config.bind, '127.0.0.1')
  assert.is(url(config, 9090), 'http://127.0.0.1:9090')
})

test('environment overrides images and ports', () => {
  const config = loadConfig({ TRITON_IMAGE: 'local/triton:test', PROMETHEUS_PORT: '19090', BIND_ADDRESS: '0.0.0.0' })
  assert.is(config.triton.image, 'local/triton:test')
  assert.is(config.prometheus.port, 19090)
  assert.is(url(config, 1), 'http://127.0.0.1:1')
})

test("the stack's images, containers and host ports are recorded as read, with their variables", () => {
  const { stack } = loadConfig({ GRAFANA_PORT: '13000', PROMETHEUS_IMAGE: 'm.example/prom:1' })
  assert.equal(
    stack.ports.map((p) => `${p.variable}=${p.value}`),
    [
      'TRITON_HTTP_PORT=8000',
      'TRITON_GRPC_PORT=8001',
      'TRITON_METRICS_PORT=8002',
      'PROMETHEUS_PORT=9090',
      'GRAFANA_PORT=13000',
      'ALERTMANAGER_PORT=9093',
    ],
  )
  assert.equal(
    stack.images.map((i) => i.variable),
    ['TRITON_IMAGE', 'PROMETHEUS_IMAGE', 'GRAFANA_IMAGE', 'ALERTMANAGER_IMAGE'],
  )
  assert.is(stack.images[1]!.value, 'm.example/prom:1')
  assert.equal(
    stack.containers.map((c) => c.value),
    ['triton', 'prometheus', 'grafana', 'alertmanager'],
  )
})

test('one Triton by default, exactly the container and ports of before', () => {
  assert.equal(loadConfig({}).triton.replicas, [{ name: 'triton', httpPort: 8000, grpcPort: 8001, metricsPort: 8002 }])
})

test('TRITON_REPLICAS=3: triton, triton-2, triton-3, each on the ports plus 10 per replica', () => {
  const { triton } = loadConfig({ TRITON_REPLICAS: '3', TRITON_CONTAINER: 'tm-x' })
  assert.equal(triton.replicas, [
    { name: 'tm-x', httpPort: 8000, grpcPort: 8001, metricsPort: 8002 },
    { name: 'tm-x-2', httpPort: 8010, grpcPort: 8011, metricsPort: 8012 },
    { name: 'tm-x-3', httpPort: 8020, grpcPort: 8021, metricsPort: 8022 },
  ])
  assert.is(triton.container, 'tm-x')
  assert.is(triton.httpPort, 8000)
})

test("every replica's container and ports are recorded, so make doctor checks them all", () => {
  const { stack } = loadConfig({ TRITON_REPLICAS: '2', PROMETHEUS_PORT: '8011' })
  assert.equal(
    stack.ports.map((p) => `${p.variable}=${p.value}`),
    [
      'TRITON_HTTP_PORT=8000',
      'TRITON_GRPC_PORT=8001',
      'TRITON_METRICS_PORT=8002',
      'TRITON_HTTP_PORT=8010',
      'TRITON_GRPC_PORT=8011',
      'TRITON_METRICS_PORT=8012',
      'PROMETHEUS_PORT=8011',
      'GRAFANA_PORT=3000',
      'ALERTMANAGER_PORT=9093',
    ],
  )
  assert.equal(
    stack.containers.map((c) => c.value),
    ['triton', 'triton-2', 'prometheus', 'grafana', 'alertmanager'],
  )
})

test("a replica's port on another service's: named with the replica and its offset, not as replica 1's", () => {
  const config = loadConfig({ TRITON_REPLICAS: '2', PROMETHEUS_PORT: '8010' })
  const error = (() => {
    try {
      assertDistinctPorts(config)
    } catch (e) {
      return e as StepError
    }
  })()
  assert.ok(error instanceof StepError, 'refused')
  assert.match(error.cause_, 'TRITON_HTTP_PORT (triton-2: +10) and PROMETHEUS_PORT are the same port (8010)')
  assert.match(error.fix, 'set PROMETHEUS_PORT to another free port')
})

test('a port from 1 to 65535 is accepted, at both ends', () => {
  assert.is(loadConfig({ PROMETHEUS_PORT: '1' }).prometheus.port, 1)
  assert.is(loadConfig({ PROMETHEUS_PORT: '65535' }).prometheus.port, 65535)
  assert.is(loadConfig({ PROMETHEUS_PORT: ' 9091 ' }).prometheus.port, 9091, 'blanks around it are trimmed')
  assert.is(loadConfig({ PROMETHEUS_PORT: '  ' }).prometheus.port, 9090, 'blank: the default')
})

test('TRITON_REPLICAS: from 1 to 16, two digits included', () => {
  assert.is(loadConfig({ TRITON_REPLICAS: '1' }).triton.replicas.length, 1)
  assert.is(loadConfig({ TRITON_REPLICAS: '10' }).triton.replicas.length, 10)
  assert.is(loadConfig({ TRITON_REPLICAS: '16' }).triton.replicas.length, 16, 'the most')
})

test("a replica's derived port may be 65535 itself, and the refusal names the highest first port", () => {
  // Replica 3 of 3 publishes TRITON_METRICS_PORT + 20.
  assert.is(loadConfig({ TRITON_REPLICAS: '3', TRITON_METRICS_PORT: '65515' }).triton.replicas[2]!.metricsPort, 65535)
  try {
    loadConfig({ TRITON_REPLICAS: '3', TRITON_METRICS_PORT: '65516' })
    assert.unreachable()
  } catch (error) {
    assert.instance(error, StepError)
    assert.match((error as StepError).message, /triton-3 would publish port 65536, past 65535/)
    // 65536 − (3 − 1) × 10: the first replica's ports must stay under it.
    assert.match((error as StepError).fix, /under 65516\b/)
  }
})

test('the address the ports are reached at: an "any" address by its loopback, IPv6 in brackets', () => {
  assert.is(loadConfig({ BIND_ADDRESS: '0.0.0.0' }).host, '127.0.0.1')
  assert.is(loadConfig({ BIND_ADDRESS: '::' }).host, '::1')
  assert.is(loadConfig({ BIND_ADDRESS: '192.168.1.5' }).host, '192.168.1.5')
  assert.is(url(loadConfig({ BIND_ADDRESS: '::' }), 9090), 'http://[::1]:9090')
  assert.is(url(loadConfig({ BIND_ADDRESS: '::1' }), 3000), 'http://[::1]:3000')
})

test("PROMETHEUS_CONFIG_DIR and ALERTMANAGER_CONFIG: trimmed when set, the generated files' when unset or blank", () => {
  const set = loadConfig({ PROMETHEUS_CONFIG_DIR: ' /srv/prom ', ALERTMANAGER_CONFIG: ' /srv/am.yml ' })
  assert.is(set.prometheus.configDir, '/srv/prom')
  assert.is(set.alertmanager.configFile, '/srv/am.yml')
  const blank = loadConfig({ PROMETHEUS_CONFIG_DIR: '  ', ALERTMANAGER_CONFIG: '' })
  assert.is(blank.prometheus.configDir, undefined)
  assert.is(blank.alertmanager.configFile, undefined)
  assert.is(loadConfig({}).prometheus.configDir, undefined)
})

for (const [env, pattern] of [
  [{ TRITON_REPLICAS: '0' }, /TRITON_REPLICAS="0" is not a replica count/],
  [{ TRITON_REPLICAS: '17' }, /TRITON_REPLICAS="17" is not a replica count/],
  [{ TRITON_REPLICAS: '2.5' }, /not a replica count/],
  [{ TRITON_REPLICAS: 'three' }, /not a replica count/],
  [
    { TRITON_REPLICAS: '2', TRITON_GRPC_PORT: '8010' },
    /TRITON_REPLICAS=2, host port 8010 would be published by both triton and triton-2/,
  ],
  [{ TRITON_REPLICAS: '3', TRITON_METRICS_PORT: '65520' }, /triton-3 would publish port 65540, past 65535/],
  [{ TRITON_HTTP_PORT: '80a' }, /TRITON_HTTP_PORT="80a" is not a TCP port/],
  [{ PROMETHEUS_PORT: '70000' }, /not a TCP port/],
  [{ PROMETHEUS_PORT: '0' }, /PROMETHEUS_PORT="0" is not a TCP port/],
  [{ GRAFANA_PORT: '65536' }, /GRAFANA_PORT="65536" is not a TCP port/],
  [{ GRAFANA_PORT: '-1' }, /not a TCP port/],
  [{ BIND_ADDRESS: 'localhost' }, /not an IP address/],
  [{ NETWORK: 'bad name' }, /not a valid Docker name/],
  [{ GRAFANA_IMAGE: '--privileged' }, /not an image reference/],
  [{ DATASOURCE_UID: 'triton prometheus' }, /DATASOURCE_UID="triton prometheus" is not a Grafana uid/],
  [{ DATASOURCE_UID: 'x'.repeat(41) }, /not a Grafana uid/],
  [{ ALERTMANAGER_PORT: '9o93' }, /ALERTMANAGER_PORT="9o93" is not a TCP port/],
  [{ ALERTMANAGER_CONTAINER: 'alert manager' }, /not a valid Docker name/],
  [{ ALERTMANAGER_DATASOURCE_UID: 'a/b' }, /ALERTMANAGER_DATASOURCE_UID="a\/b" is not a Grafana uid/],
] as const) {
  test(`rejects ${JSON.stringify(env)}`, () => {
    try {
      loadConfig(env)
      assert.unreachable()
    } catch (error) {
      assert.instance(error, StepError)
      assert.match((error as StepError).message, pattern)
    }
  })
}

test.run()
