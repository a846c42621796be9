// `make images`: builds the local stand-in images from this machine's binaries (no registry needed)
// and prints `export NAME=image:tag` lines, so `eval "$(make -s images)"; make up` uses them
// (a plain assignment would not reach make's environment); progress goes to stderr.
// Tags are hashes of the inputs, so a re-run with nothing changed builds nothing.
// To add an image, add an entry to `images`.
import { IMAGE_CONSOLE_FLAGS } from '../../prometheus/config.ts'
import { APP, buildNodeImage, NODE_PASSWD } from './node-image.ts'
import { buildScratchImage, type BuiltImage } from './scratch-image.ts'
import { t } from '../../scripts/lib/output/i18n.ts'

/** Like prom/prometheus: scrapes itself until given a real config. */
const defaultPrometheusConfig = `global:
  scrape_interval: 15s
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: [localhost:9090]
`

/**
 * /bin/prometheus of the image. Debian's binary defaults --storage.tsdb.path to
 * /var/lib/prometheus/metrics2/ and panics there ("Unable to create mmap-ed active query log");
 * upstream's defaults to `data/`, under the image's WORKDIR /prometheus. The tutorial's
 * `docker run … prom/prometheus --config.file=…` replaces CMD and relies on that default, so the
 * path is given as upstream's default whenever the command names none.
 */
const prometheusWrapper = `#!/bin/sh
for arg in "$@"; do
  case "$arg" in --storage.tsdb.path | --storage.tsdb.path=*) exec /bin/prometheus.debian "$@" ;; esac
done
exec /bin/prometheus.debian --storage.tsdb.path=data/ "$@"
`

/** Like prom/alertmanager's own: a valid config until the step mounts its own over the folder. */
const defaultAlertmanagerConfig = `route:
  receiver: default
receivers:
  - name: default
`

export const images: Record<string, () => Promise<BuiltImage>> = {
  // Debian's prometheus and promtool, laid out like prom/prometheus (entrypoint, default command,
  // console folders, data folder as a VOLUME and WORKDIR, user nobody, upstream's default storage
  // path), so the steps and the tutorial's own `docker run` run it exactly as they run the real
  // image. Debian ships the same console templates and libraries as examples.
  PROMETHEUS_IMAGE: () =>
    buildScratchImage({
      repository: 'triton-monitoring/prometheus',
      files: [
        { from: '/usr/bin/prometheus', to: '/bin/prometheus.debian' },
        // dash for the wrapper's few lines (the image is FROM scratch, upstream's has busybox).
        { from: '/bin/dash', to: '/bin/sh' },
        { from: '/usr/bin/promtool', to: '/bin/promtool' },
        { from: '/usr/share/doc/prometheus/examples/console_libraries', to: '/usr/share/prometheus/console_libraries' },
        { from: '/usr/share/doc/prometheus/examples/consoles', to: '/usr/share/prometheus/consoles' },
      ],
      texts: {
        '/bin/prometheus': prometheusWrapper,
        '/etc/prometheus/prometheus.yml': defaultPrometheusConfig,
        '/etc/passwd': 'root:x:0:0:root:/root:/bin/prometheus\nnobody:x:65534:65534:nobody:/home:/bin/false\n',
        '/etc/group': 'root:x:0:\nnogroup:x:65534:\n',
        '/etc/nsswitch.conf': 'hosts: files dns\n',
      },
      writable: ['/prometheus'],
      volumes: ['/prometheus'],
      user: '65534:65534',
      workdir: '/prometheus',
      expose: [9090],
      entrypoint: ['/bin/prometheus'],
      cmd: ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.path=/prometheus', ...IMAGE_CONSOLE_FLAGS],
    }),
  // Debian's prometheus-alertmanager (0.25) and amtool, laid out like prom/alertmanager (binary and
  // amtool in /bin, config in /etc/alertmanager, data folder /alertmanager as a VOLUME and the
  // working folder, user nobody, the same ENTRYPOINT and CMD), so the step runs both images alike.
  ALERTMANAGER_IMAGE: () =>
    buildScratchImage({
      repository: 'triton-monitoring/alertmanager',
      files: [
        { from: '/usr/bin/prometheus-alertmanager', to: '/bin/alertmanager' },
        { from: '/usr/bin/amtool', to: '/bin/amtool' },
        // Debian's build reads its notification templates (and a UI placeholder) from here, where
        // upstream's embeds them.
        {
          from: '/usr/share/prometheus/alertmanager',
          to: '/usr/share/prometheus/alertmanager',
          skip: /\.sh$/,
        },
      ],
      texts: {
        '/etc/alertmanager/alertmanager.yml': defaultAlertmanagerConfig,
        '/etc/passwd': 'root:x:0:0:root:/root:/bin/false\nnobody:x:65534:65534:nobody:/home:/bin/false\n',
        '/etc/group': 'root:x:0:\nnogroup:x:65534:\n',
        '/etc/nsswitch.conf': 'hosts: files dns\n',
      },
      writable: ['/alertmanager'],
      volumes: ['/alertmanager'],
      user: '65534:65534',
      workdir: '/alertmanager',
      expose: [9093],
      entrypoint: ['/bin/alertmanager'],
      cmd: ['--config.file=/etc/alertmanager/alertmanager.yml', '--storage.path=/alertmanager'],
    }),
  // The Triton stand-in behind a `tritonserver` command: like NVIDIA's image, the container runs
  // the command it is given (`tritonserver --model-repository=/models …`).
  TRITON_IMAGE: () =>
    buildNodeImage({
      repository: 'triton-monitoring/triton-standin',
      entry: 'test/standins/triton/main.ts',
      external: ['onnxruntime-node', 'onnxruntime-common'],
      commands: ['tritonserver'],
      // root, like NVIDIA's image, so a model folder readable only by its owner still loads.
      expose: [8000, 8001, 8002],
      cmd: ['tritonserver', '--model-repository=/models'],
    }),
  // The webhook receiver of the alert tests (a chat bot's endpoint, as Alertmanager sees one),
  // run as nobody like most such services; on 8080.
  WEBHOOK_IMAGE: () =>
    buildNodeImage({
      repository: 'triton-monitoring/webhook-standin',
      entry: 'test/standins/webhook/main.ts',
      user: '65534:65534',
      expose: [8080],
    }),
  // The Grafana stand-in with the OpenAPI spec bundled in; like grafana/grafana it runs as uid 472
  // gid 0, listens on 3000, keeps its state in /var/lib/grafana (the data volume), resolves
  // GF_*__FILE as run.sh does, and has a `grafana` command on PATH (`grafana cli admin
  // reset-admin-password`) that finds the data through the same paths and variables.
  GRAFANA_IMAGE: () =>
    buildNodeImage({
      repository: 'triton-monitoring/grafana-standin',
      entry: 'test/standins/grafana/main.ts',
      commands: ['grafana'],
      entrypoint: ['/bin/node', APP],
      user: '472:0',
      workdir: '/usr/share/grafana',
      writable: ['/var/lib/grafana'],
      env: {
        GF_PATHS_CONFIG: '/etc/grafana/grafana.ini',
        GF_PATHS_DATA: '/var/lib/grafana',
        GF_PATHS_HOME: '/usr/share/grafana',
      },
      texts: {
        '/etc/passwd': `${NODE_PASSWD}grafana:x:472:0::/home/grafana:/sbin/nologin\n`,
        '/usr/share/grafana/conf/defaults.ini': '# the stand-in reads no setting from here; the CLI checks it exists\n',
        '/etc/grafana/grafana.ini': '# everything commented out, as in the image\n',
      },
      expose: [3000],
    }),
}

const started = Date.now()
const only = process.argv.slice(2)
for (const [name, build] of Object.entries(images)) {
  if (only.length && !only.includes(name)) continue
  const t0 = Date.now()
  let image: BuiltImage
  try {
    image = await build()
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    process.stderr.write(t('✖ {name}: {message}\n', { name, message }))
    process.exit(1)
  }
  const took = ((Date.now() - t0) / 1000).toFixed(1)
  process.stderr.write(
    image.built ? t('{name}: built in {took}s\n', { name, took }) : t('{name}: reused in {took}s\n', { name, took }),
  )
  process.stdout.write(`export ${name}=${image.ref}\n`)
}
const total = ((Date.now() - started) / 1000).toFixed(1)
process.stderr.write(t('images ready in {total}s\n', { total }))
