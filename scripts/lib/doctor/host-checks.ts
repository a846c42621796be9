// make doctor's checks of this machine: every host port the stack publishes, the state folder,
// and Node.js.
import { existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import pkg from '../../../package.json' with { type: 'json' }
import { listenProbe, type PortHolder } from '../engine/ports.ts'
import { tr } from '../output/i18n.ts'
import { type Config, portsByNumber, settingLabel } from '../step/config.ts'
import { stateDirName, stateDirProblem } from '../state/secrets.ts'
import { type Check, fromError } from './check.ts'

export async function portChecks(
  config: Config,
  holders: PortHolder[] | undefined,
  engineHere: boolean,
): Promise<Check[]> {
  const check = 'port'
  const ours = new Set(config.stack.containers.map((c) => c.value))
  const checks: Check[] = []
  for (const [port, settings] of portsByNumber(config)) {
    const names = settings.map((s) => s.variable)
    const where = `${config.bind}:${port} (${settings.map(settingLabel).join(', ')})`
    const variable = names.join(', ')
    if (settings.length > 1) {
      checks.push({
        check,
        variable,
        status: 'fail',
        message: tr(
          `${where}: the same port is set ${settings.length} times`,
          `${where}：同一个端口被设置了 ${settings.length} 次`,
        ),
        fix: tr(
          `give each its own port, e.g. ${names[1]}=<free port>`,
          `为每个设置不同的端口，例如 ${names[1]}=<空闲端口>`,
        ),
      })
      continue
    }
    const holder = holders?.find((h) => h.port === port)
    if (holder?.managed && ours.has(holder.container)) {
      checks.push({
        check,
        variable,
        status: 'ok',
        message: tr(
          `${where}: held by this stack's ${holder.container}`,
          `${where}：由本套服务的 ${holder.container} 占用`,
        ),
      })
      continue
    }
    if (holder) {
      checks.push({
        check,
        variable,
        status: 'fail',
        message: tr(`${where}: taken by container ${holder.container}`, `${where}：被容器 ${holder.container} 占用`),
        fix: tr(
          `stop it (\`docker stop ${holder.container}\`) if it is not needed, or pick another port: ${names[0]}=<free port>`,
          `如不需要请停止它（\`docker stop ${holder.container}\`），或换一个端口：${names[0]}=<空闲端口>`,
        ),
      })
      continue
    }
    if (!engineHere) {
      checks.push({
        check,
        variable,
        status: 'ok',
        message: tr(
          `${where}: no container holds it (the engine runs elsewhere: its other programs are not checked)`,
          `${where}：没有容器占用（引擎在其他机器上：未检查那里的其他程序）`,
        ),
      })
      continue
    }
    const error = await listenProbe(config.bind, port)
    // Below 1024 only root may listen; docker binds it as root, so the probe says nothing then.
    if (!error || error === 'EACCES') {
      checks.push({ check, variable, status: 'ok', message: tr(`${where}: free`, `${where}：空闲`) })
    } else if (error === 'EADDRINUSE') {
      checks.push({
        check,
        variable,
        status: 'fail',
        message: tr(`${where}: taken by another program`, `${where}：被其他程序占用`),
        fix: tr(
          `free it (\`ss -ltnp 'sport = :${port}'\` shows who holds it) or pick another port: ${names[0]}=<free port>`,
          `释放它（\`ss -ltnp 'sport = :${port}'\` 可查看占用者），或换一个端口：${names[0]}=<空闲端口>`,
        ),
      })
    } else {
      checks.push({
        check,
        variable,
        status: 'fail',
        message: tr(`${where}: cannot be published here (${error})`, `${where}：无法在此发布（${error}）`),
        fix: tr(
          'set BIND_ADDRESS to an address of this machine (127.0.0.1, the default, or 0.0.0.0)',
          '把 BIND_ADDRESS 设为本机地址（默认 127.0.0.1，或 0.0.0.0）',
        ),
      })
    }
  }
  return checks
}

export function stateCheck(): Check {
  const check = 'state-folder'
  const dir = stateDirName()
  const path = resolve(dir)
  if (!existsSync(dir)) {
    const parent = dirname(path)
    const problem = existsSync(parent) ? undefined : tr(`${parent} does not exist`, `${parent} 不存在`)
    return problem
      ? {
          check,
          variable: 'STATE_DIR',
          status: 'fail',
          message: problem,
          fix: tr('point STATE_DIR at a folder that can be created', '把 STATE_DIR 指向可以创建的目录'),
        }
      : {
          check,
          variable: 'STATE_DIR',
          status: 'ok',
          message: tr(`${path}: created 0700 on first use`, `${path}：首次使用时以 0700 创建`),
        }
  }
  const problem = stateDirProblem(dir)
  if (problem) return fromError(check, problem, 'STATE_DIR')
  return { check, variable: 'STATE_DIR', status: 'ok', message: tr(`${path}: private (0700)`, `${path}：私有（0700）`) }
}

export function nodeCheck(): Check {
  const wanted = Number(pkg.engines.node.match(/\d+/)?.[0] ?? 0)
  const major = Number(process.versions.node.split('.')[0])
  return major >= wanted
    ? { check: 'node', status: 'ok', message: `${process.version} (${pkg.engines.node})` }
    : {
        check: 'node',
        status: 'fail',
        message: tr(
          `${process.version} is older than ${pkg.engines.node}`,
          `${process.version} 低于 ${pkg.engines.node}`,
        ),
        fix: tr(
          `install Node.js ${wanted} or newer (https://nodejs.org, or your package manager)`,
          `安装 Node.js ${wanted} 或更新版本（https://nodejs.org 或系统包管理器）`,
        ),
      }
}
