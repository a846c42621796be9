// One inference request of 08-load over its keep-alive connection, turned into an Outcome: an
// answer (right or wrong digit), an HTTP failure, a wrong output, a timeout or a lost connection.
import { t } from '../output/i18n.ts'
import type { KeepAliveConnection } from './keepalive.ts'
import { networkCause } from './kserve.ts'
import type { Outcome } from './load-run.ts'
import { predicted } from './load-tensors.ts'

export async function infer(
  connection: KeepAliveConnection,
  request: Buffer,
  output: string,
  label: number,
  timeoutS: number,
): Promise<Outcome> {
  try {
    const { status, body } = await connection.send(request)
    const text = body.toString()
    if (status !== 200) return { ok: false, kind: `HTTP ${status}`, detail: text.slice(0, 200) || t('empty body') }
    const digit = predicted(text, output)
    return typeof digit === 'number' ? { ok: true, correct: digit === label } : digit
  } catch (error) {
    return (error as Error).name === 'TimeoutError'
      ? { ok: false, kind: 'timeout', detail: t('no answer within {timeoutS} s', { timeoutS }) }
      : { ok: false, kind: 'connection', detail: networkCause(error), connection: true }
  }
}
