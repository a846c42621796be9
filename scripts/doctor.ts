// make doctor: checks what `make all` needs before anything starts, one line per check (✔, ⚠ or
// ✖) with its fix: the engine, each image (here, or its registry answers), the GPU runtime, free
// disk, every host port, the state folder, Node.js. It changes nothing, and exits 1 when something
// would stop `make all`. The images, containers and ports come from the config, not a list here.
import { engineEndpoint, endpointOnThisMachine } from './lib/engine/api.ts'
import { portHolders, type PortHolder } from './lib/engine/ports.ts'
import { type Check, print } from './lib/doctor/check.ts'
import { diskCheck, engineCheck, gpuCheck, imageCheck } from './lib/doctor/engine-checks.ts'
import { nodeCheck, portChecks, stateCheck } from './lib/doctor/host-checks.ts'
import { step } from './lib/step/cli.ts'
import { loadConfig } from './lib/step/config.ts'
import { fail } from './lib/step/fail.ts'
import { t } from './lib/output/i18n.ts'
import { log } from './lib/output/log.ts'

await step(
  {
    name: 'doctor',
    summary: t('Check what make all needs: engine, images, GPU, disk, ports, state folder, Node.js'),
    replaces:
      'docker version; docker info; docker images; curl https://<registry>/v2/; df -h /var/lib/docker; ss ' +
      '-ltnp; ls -ld .state; node --version',
    env: {
      '*_IMAGE': t('images checked (present, or their registry answers)'),
      '*_PORT, BIND_ADDRESS': t('host ports checked'),
      STATE_DIR: t('state folder checked (.state)'),
    },
    // It changes nothing, not even the state folder: no outcome is kept for the report.
    record: false,
    flags: {
      json: { type: 'boolean', help: t('print the checks as JSON on stdout') },
      'registry-timeout': {
        type: 'number',
        help: t('seconds each registry may take to answer'),
        default: 5,
        min: 1,
      },
    },
  },
  async (flags) => {
    const config = loadConfig()
    const checks: Check[] = []
    const report = (...found: Check[]) => {
      checks.push(...found)
      if (!flags.json) for (const c of found) print(c)
    }
    const endpoint = await engineEndpoint()
    const engine = await engineCheck(endpoint)
    report(engine.check)
    const { info } = engine
    let holders: PortHolder[] | undefined
    if (info) {
      const images = await Promise.all(
        config.stack.images.map((s) => imageCheck(s, info, flags['registry-timeout'] * 1000)),
      )
      report(...images.map((i) => i.check))
      report(await gpuCheck(info))
      report(await diskCheck(info, endpoint, images))
      holders = await portHolders().catch(() => undefined)
    }
    // Docker Desktop publishes ports on this machine too, so a program here can hold one.
    report(...(await portChecks(config, holders, endpointOnThisMachine(endpoint))))
    report(stateCheck())
    report(nodeCheck())
    const failed = checks.filter((c) => c.status === 'fail')
    const warned = checks.filter((c) => c.status === 'warn')
    if (flags.json) process.stdout.write(`${JSON.stringify({ ok: failed.length === 0, checks }, null, 2)}\n`)
    if (failed.length) {
      throw fail(
        failed.length === 1
          ? t('{failedLength} of {checksLength} checks failed: `make all` would stop at it', {
              failedLength: failed.length,
              checksLength: checks.length,
            })
          : t('{failedLength} of {checksLength} checks failed: `make all` would stop at them', {
              failedLength: failed.length,
              checksLength: checks.length,
            }),
        t('fix the ✖ lines above, then run `make doctor` again'),
      )
    }
    log.ok(
      warned.length
        ? warned.length === 1
          ? t('ready for `make all` ({warnedLength} warning above)', { warnedLength: warned.length })
          : t('ready for `make all` ({warnedLength} warnings above)', { warnedLength: warned.length })
        : t('ready for `make all`'),
    )
  },
)
