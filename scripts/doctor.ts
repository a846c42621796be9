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
import { tr } from './lib/output/i18n.ts'
import { log } from './lib/output/log.ts'

await step(
  {
    name: 'doctor',
    summary: tr(
      'Check what make all needs: engine, images, GPU, disk, ports, state folder, Node.js',
      '检查 make all 所需的一切：引擎、镜像、GPU、磁盘、端口、状态目录、Node.js',
    ),
    replaces:
      'docker version; docker info; docker images; curl https://<registry>/v2/; df -h /var/lib/docker; ss ' +
      '-ltnp; ls -ld .state; node --version',
    env: {
      '*_IMAGE': tr(
        'images checked (present, or their registry answers)',
        '检查的镜像（本机已有，或其镜像仓库有响应）',
      ),
      '*_PORT, BIND_ADDRESS': tr('host ports checked', '检查的主机端口'),
      STATE_DIR: tr('state folder checked (.state)', '检查的状态目录（.state）'),
    },
    // It changes nothing, not even the state folder: no outcome is kept for the report.
    record: false,
    flags: {
      json: { type: 'boolean', help: tr('print the checks as JSON on stdout', '在标准输出打印 JSON 格式的检查结果') },
      'registry-timeout': {
        type: 'number',
        help: tr('seconds each registry may take to answer', '每个镜像仓库的响应时限（秒）'),
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
        tr(
          `${failed.length} of ${checks.length} checks failed: \`make all\` would stop at ${failed.length === 1 ? 'it' : 'them'}`,
          `${checks.length} 项检查中有 ${failed.length} 项失败：\`make all\` 会因此停止`,
        ),
        tr('fix the ✖ lines above, then run `make doctor` again', '请修复上面标 ✖ 的项，然后再次运行 `make doctor`'),
      )
    }
    log.ok(
      warned.length
        ? tr(
            `ready for \`make all\` (${warned.length} warning${warned.length === 1 ? '' : 's'} above)`,
            `可以运行 \`make all\`（上面有 ${warned.length} 条警告）`,
          )
        : tr('ready for `make all`', '可以运行 `make all`'),
    )
  },
)
