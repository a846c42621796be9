// make doctor's checks of this machine: every host port the stack publishes, the state folder,
// and Node.js.
import { existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import pkg from '../../../package.json' with { type: 'json' }
import { listenProbe, type PortHolder } from '../engine/ports.ts'
import { t } from '../output/i18n.ts'
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
        message: t('{where}: the same port is set {settingsLength} times', { where, settingsLength: settings.length }),
        fix: t('give each its own port, e.g. {names}=<free port>', { names: String(names[1]) }),
      })
      continue
    }
    const holder = holders?.find((h) => h.port === port)
    if (holder?.managed && ours.has(holder.container)) {
      checks.push({
        check,
        variable,
        status: 'ok',
        message: t("{where}: held by this stack's {container}", { where, container: holder.container }),
      })
      continue
    }
    if (holder) {
      checks.push({
        check,
        variable,
        status: 'fail',
        message: t('{where}: taken by container {container}', { where, container: holder.container }),
        fix: t('stop it (`docker stop {container}`) if it is not needed, or pick another port: {names}=<free port>', {
          container: holder.container,
          names: String(names[0]),
        }),
      })
      continue
    }
    if (!engineHere) {
      checks.push({
        check,
        variable,
        status: 'ok',
        message: t('{where}: no container holds it (the engine runs elsewhere: its other programs are not checked)', {
          where,
        }),
      })
      continue
    }
    const error = await listenProbe(config.bind, port)
    // Below 1024 only root may listen; docker binds it as root, so the probe says nothing then.
    if (!error || error === 'EACCES') {
      checks.push({ check, variable, status: 'ok', message: t('{where}: free', { where }) })
    } else if (error === 'EADDRINUSE') {
      checks.push({
        check,
        variable,
        status: 'fail',
        message: t('{where}: taken by another program', { where }),
        fix: t(
          "free it (`ss -ltnp 'sport = :{port}'` shows who holds it) or pick another " + 'port: {names}=<free port>',
          { port, names: String(names[0]) },
        ),
      })
    } else {
      checks.push({
        check,
        variable,
        status: 'fail',
        message: t('{where}: cannot be published here ({error})', { where, error }),
        fix: t('set BIND_ADDRESS to an address of this machine (127.0.0.1, the default, or 0.0.0.0)'),
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
    const problem = existsSync(parent) ? undefined : t('{parent} does not exist', { parent })
    return problem
      ? {
          check,
          variable: 'STATE_DIR',
          status: 'fail',
          message: problem,
          fix: t('point STATE_DIR at a folder that can be created'),
        }
      : {
          check,
          variable: 'STATE_DIR',
          status: 'ok',
          message: t('{path}: created 0700 on first use', { path }),
        }
  }
  const problem = stateDirProblem(dir)
  if (problem) return fromError(check, problem, 'STATE_DIR')
  return { check, variable: 'STATE_DIR', status: 'ok', message: t('{path}: private (0700)', { path }) }
}

export function nodeCheck(): Check {
  const wanted = Number(pkg.engines.node.match(/\d+/)?.[0] ?? 0)
  const major = Number(process.versions.node.split('.')[0])
  return major >= wanted
    ? { check: 'node', status: 'ok', message: `${process.version} (${pkg.engines.node})` }
    : {
        check: 'node',
        status: 'fail',
        message: t('{version} is older than {node}', { version: process.version, node: pkg.engines.node }),
        fix: t('install Node.js {wanted} or newer (https://nodejs.org, or your package manager)', { wanted }),
      }
}
