// How a secret is shown: every length band on both sides of its edge, the token shapes found in
// free text on both sides of their minimum length, and what is too short or too public to register.
// Expected values are literals: the masker is never its own oracle.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mask, maskSecrets, registerSecret } from '../../scripts/lib/output/mask.ts'

test('up to 8 characters nothing is shown; from 9 the last 4', () => {
  assert.is(mask(''), '****')
  assert.is(mask('abcd'), '****')
  assert.is(mask('abcde'), '****', '5 characters: the last 4 would show almost all of it')
  assert.is(mask('abcdefgh'), '****', '8 characters: the last 4 would show half of it')
  assert.is(mask('abcdefghi'), '****fghi')
  assert.is(mask('0123456789abcdef'), '****cdef')
})

test("a token's kind stays readable: glsa_, ghp_/gho_/ghu_/ghs_/ghr_ and github_pat_ keep their prefix", () => {
  assert.is(mask('glsa_abcdefgh12345678'), 'glsa_****5678')
  for (const kind of ['ghp', 'gho', 'ghu', 'ghs', 'ghr']) assert.is(mask(`${kind}_abcdefgh1234`), `${kind}_****1234`)
  assert.is(mask('ghx_abcdefgh1234'), '****1234', 'not a GitHub token kind')
  assert.is(mask('github_pat_11ABCDEFG_wxyz'), 'github_pat_****wxyz')
  assert.is(mask('xglsa_abcdefgh'), '****efgh', 'a prefix only at the start')
})

test('tokens in free text are masked from their minimum length, not below it', () => {
  assert.is(maskSecrets('token glsa_abcdefgh.'), 'token glsa_****efgh.')
  assert.is(maskSecrets('token glsa_abcdefg.'), 'token glsa_abcdefg.', '7 characters after glsa_: not a token')
  const gh20 = 'ghp_ABCDEFGHIJ0123456789'
  assert.is(maskSecrets(`push ${gh20} now`), 'push ghp_****6789 now')
  assert.is(maskSecrets(`push ${gh20.slice(0, -1)} now`), `push ${gh20.slice(0, -1)} now`)
  const pat20 = 'github_pat_ABCDEFGHIJ012345678_'
  assert.is(maskSecrets(`use ${pat20}`), 'use github_pat_****678_')
  assert.is(maskSecrets('use github_pat_ABCDEFGHIJ012345678'), 'use github_pat_ABCDEFGHIJ012345678')
  assert.is(maskSecrets('aglsa_abcdefghij'), 'aglsa_abcdefghij', 'inside a word: no token boundary')
})

test('a registered secret is masked wherever it appears; 3 characters or the public default are not registered', () => {
  registerSecret('s3cret-value-42')
  assert.is(maskSecrets('pw=s3cret-value-42; again s3cret-value-42'), 'pw=****e-42; again ****e-42')
  registerSecret('wxyz')
  assert.is(maskSecrets('key wxyz'), 'key ****')
  registerSecret('abc')
  assert.is(maskSecrets('abc is no secret'), 'abc is no secret')
  registerSecret('admin')
  assert.is(maskSecrets('user admin, password admin'), 'user admin, password admin')
  registerSecret(undefined)
  registerSecret('')
  assert.is(maskSecrets('nothing else'), 'nothing else')
})

test.run()
