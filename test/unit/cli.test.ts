import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { assertHttpUrl, parseFlags } from '../../scripts/lib/step/cli.ts'
import { StepError } from '../../scripts/lib/step/fail.ts'
import { isVerbose, setVerbose } from '../../scripts/lib/output/log.ts'

const meta = {
  name: 'demo',
  summary: 'demo step',
  flags: {
    concurrency: { type: 'number', help: 'workers', default: 4, min: 1, integer: true },
    ratio: { type: 'number', help: 'ratio', min: 0, max: 1 },
    model: { type: 'string', help: 'model name', default: 'mnist_mlp' },
    mode: { type: 'string', help: 'mode', choices: ['a', 'b'] },
    json: { type: 'boolean', help: 'json' },
  },
} as const

test('defaults apply when a flag is absent', () => {
  const flags = parseFlags(meta, [])
  assert.equal(flags, { concurrency: 4, ratio: undefined, model: 'mnist_mlp', mode: undefined, json: false })
})

test('values are parsed and typed', () => {
  const flags = parseFlags(meta, ['--concurrency', '8', '--model=x', '--json', '--mode', 'b'])
  assert.equal(flags, { concurrency: 8, ratio: undefined, model: 'x', mode: 'b', json: true })
})

test("an empty string value is refused with exit 2: '' is never a name, and a search for it matches all", () => {
  for (const args of [['--model', ''], ['--model=   '], ['--mode', '']]) {
    const error = (() => {
      try {
        parseFlags(meta, args)
      } catch (e) {
        return e
      }
    })()
    assert.instance(error, StepError, args.join(' '))
    assert.is((error as StepError).exitCode, 2)
    assert.match((error as StepError).cause_, /^--(model|mode) is empty$/)
  }
})

test('--help is recognised', () => {
  assert.is(parseFlags(meta, ['--help']), 'help')
})

test("--verbose is every step's own: accepted, not one of its values, and it turns the showing of commands on", () => {
  assert.not.ok(isVerbose())
  const flags = parseFlags(meta, ['--verbose', '--json'])
  assert.equal(flags, { concurrency: 4, ratio: undefined, model: 'mnist_mlp', mode: undefined, json: true })
  assert.ok(isVerbose())
  setVerbose(false)
})

test('--help lists --verbose and VERBOSE=1', () => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/01-network.ts', '--help'], {
    encoding: 'utf8',
    env: { ...process.env, LANG: 'C', LC_ALL: '', LANGUAGE: '' },
  })
  assert.is(run.status, 0, run.stderr)
  assert.match(run.stdout, /--verbose\s+show each docker command and HTTP request as it runs \(VERBOSE=1\)/)
})

for (const [args, pattern] of [
  [['--concurrency', 'abc'], /--concurrency must be a whole number >= 1/],
  [['--concurrency', '0'], /--concurrency must be/],
  [['--concurrency', '1.5'], /--concurrency must be/],
  [['--ratio', '2'], /--ratio must be a number from 0 to 1, not "2"/],
  [['--mode', 'c'], /--mode must be one of a, b/],
  [['--bogus'], /Unknown option '--bogus'/],
  [['positional'], /positional/i],
] as const) {
  test(`rejects ${args.join(' ')} with exit code 2`, () => {
    try {
      parseFlags(meta, [...args])
      assert.unreachable('should have thrown')
    } catch (error) {
      assert.instance(error, StepError)
      assert.match((error as StepError).message, pattern)
      assert.is((error as StepError).exitCode, 2)
      assert.ok((error as StepError).fix.length > 0)
    }
  })
}

/** The StepError a call throws, or undefined when it throws nothing. */
const thrown = (call: () => unknown): StepError | undefined => {
  try {
    call()
  } catch (error) {
    assert.instance(error, StepError)
    return error as StepError
  }
  return undefined
}

// Each bound on both sides: the value at a bound is the user's to pass, one past it is refused.
const bounded = {
  name: 'bounded',
  summary: 'bounds',
  flags: {
    workers: { type: 'number', help: 'workers', min: 1, integer: true },
    ratio: { type: 'number', help: 'ratio', min: 0, max: 1 },
    limit: { type: 'number', help: 'at most ten', max: 10 },
    scale: { type: 'number', help: 'any number' },
    title: { type: 'string', help: 'a title Grafana keeps to 5 characters', maxLength: 5 },
  },
} as const

/** The values parseFlags makes of `args` under `bounded`. */
const boundedValues = (args: string[]) => {
  const flags = parseFlags(bounded, args)
  if (flags === 'help') throw new Error('--help was not asked for')
  return flags
}

test('a number flag takes its bounds themselves: --workers 1 with min 1, --ratio 0 and 1 with a range of 0 to 1', () => {
  assert.is(boundedValues(['--workers', '1']).workers, 1)
  assert.is(boundedValues(['--ratio', '0']).ratio, 0)
  assert.is(boundedValues(['--ratio', '0.5']).ratio, 0.5)
  assert.is(boundedValues(['--ratio', '1']).ratio, 1)
  assert.is(boundedValues(['--limit', '10']).limit, 10)
  assert.is(boundedValues(['--limit=-3']).limit, -3)
})

// The message names the range the flag has, in the one form that fits it (both bounds, one, none).
for (const [args, cause] of [
  [['--workers', '0'], '--workers must be a whole number >= 1, not "0"'],
  [['--ratio=-0.1'], '--ratio must be a number from 0 to 1, not "-0.1"'],
  [['--limit', '11'], '--limit must be a number <= 10, not "11"'],
  [['--scale', 'ten'], '--scale must be a number, not "ten"'],
  // Number('') and Number(' ') are 0, inside 0..1: an empty value must not pass as zero.
  [['--ratio', ''], '--ratio must be a number from 0 to 1, not ""'],
  [['--ratio', ' '], '--ratio must be a number from 0 to 1, not " "'],
] as const) {
  const shown = args.map((a) => (a.trim() ? a : JSON.stringify(a))).join(' ')
  test(`${shown} is refused with exit code 2, naming the range the flag takes`, () => {
    const error = thrown(() => parseFlags(bounded, [...args]))
    assert.ok(error, 'accepted')
    assert.is(error.cause_, cause)
    assert.is(error.exitCode, 2)
  })
}

test('a string flag with a length limit takes a value of exactly that length and refuses one character more', () => {
  assert.is(boundedValues(['--title', 'abcde']).title, 'abcde')
  const error = thrown(() => parseFlags(bounded, ['--title', 'abcdef']))
  assert.ok(error, 'a 6-character title was accepted')
  assert.is(error.cause_, '--title is 6 characters long; it takes at most 5')
  assert.is(error.fix, 'pass a shorter --title')
  assert.is(error.exitCode, 2)
})

test('an http:// or https:// address is accepted as a web address', () => {
  for (const url of ['http://127.0.0.1:8000', 'https://prometheus.example:9090/api'])
    assert.is(
      thrown(() => assertHttpUrl('url', url, 'http://127.0.0.1:8000')),
      undefined,
      url,
    )
})

// localhost:9090 parses as a URL whose scheme is "localhost:", git+https://… as one whose scheme
// ends in "https:": neither must reach fetch as a web address.
for (const url of [
  'ftp://127.0.0.1/x',
  'localhost:9090',
  'git+https://github.com/x',
  '127.0.0.1:8000',
  'not an address',
  'https//x',
]) {
  test(`${url} is refused as a web address before anything is sent, with exit code 2 and an example`, () => {
    const error = thrown(() => assertHttpUrl('url', url, 'http://127.0.0.1:8000'))
    assert.ok(error, 'accepted')
    assert.is(error.cause_, `--url "${url}" is not an http:// address`)
    assert.is(error.fix, 'pass e.g. --url http://127.0.0.1:8000')
    assert.is(error.exitCode, 2)
  })
}

// parseArgs' own messages are English: a Chinese locale must not get them as the cause.
for (const [args, cause] of [
  [['--bogus'], '未知选项 --bogus'],
  [['extra'], '多余的参数 extra'],
  [['--url'], '选项 --url <value> 需要一个值'],
  [['--json=3'], '选项 --json 不接受值'],
  [['--concurrency', '-3'], '选项 --concurrency 后面的值以 - 开头，会被当作另一个选项：请写成 --concurrency=-3'],
] as const) {
  test(`in a Chinese locale, ${args.join(' ')} is explained in Chinese`, () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/08-load.ts', ...args], {
      env: { ...process.env, LANG: 'zh_CN.UTF-8', LC_ALL: '', LANGUAGE: '' },
      encoding: 'utf8',
      timeout: 30_000,
    })
    assert.is(run.status, 2, run.stderr)
    assert.ok(run.stderr.includes(cause), run.stderr)
    assert.not.match(run.stderr, /[A-Z][a-z]+ (option|argument)/)
  })
}

// parseArgs quotes the argument in its message ('extra'); one that is itself a quote is named too.
test('in a Chinese locale, an argument that is a lone quote is refused in Chinese, and named', () => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/08-load.ts', "'"], {
    env: { ...process.env, LANG: 'zh_CN.UTF-8', LC_ALL: '', LANGUAGE: '' },
    encoding: 'utf8',
    timeout: 30_000,
  })
  assert.is(run.status, 2, run.stderr)
  const named = run.stderr.match(/多余的参数 (.*)：此步骤只接受 --选项/)?.[1]
  assert.is(named, "'", run.stderr)
})

test.run()
