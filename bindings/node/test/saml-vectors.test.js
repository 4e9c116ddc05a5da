'use strict'
// Every SAML vector through the addon: validation (Promise and sync variants) and the login
// decisions (sync and async stores).

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { vectorFiles, runSamlValidationFile, runSamlLoginFile } = require('./vectors')
const { MemoryStore, AsyncMemoryStore } = require('./memory-store')

const files = vectorFiles('saml').map((f) => ({ name: path.basename(f), json: JSON.parse(fs.readFileSync(f, 'utf8')) }))
const presentCases = files.reduce((n, f) => n + f.json.cases.length, 0)

test('the SAML vector files are all there', () => {
  assert.ok(files.length >= 8, `expected every SAML vector file, found ${files.length}`)
  assert.ok(files.some((f) => f.json.kind === 'login'), 'login.json present')
  assert.ok(presentCases >= 181, `expected at least 181 cases, found ${presentCases}`)
})

for (const sync of [false, true]) {
  test(`every SAML validation vector passes through ${sync ? 'validateSync' : 'validate'}`, async (t) => {
    let cases = 0
    const failures = []
    const validation = files.filter((f) => f.json.kind !== 'login')
    for (const f of validation) {
      const r = await runSamlValidationFile(f.json, { sync })
      assert.equal(r.cases, f.json.cases.length, `${f.name}: every case ran`)
      cases += r.cases
      failures.push(...r.failures)
    }
    assert.deepEqual(failures, [], `${failures.length} of ${cases} cases failed:\n${failures.join('\n')}`)
    t.diagnostic(`${validation.length} files, ${cases} validation cases`)
  })
}

for (const [kind, makeStore] of [
  ['sync store', (ws) => new MemoryStore(ws)],
  ['async store', (ws) => new AsyncMemoryStore(ws)],
]) {
  test(`every SAML login vector passes through Handler.signIn with a ${kind}`, async (t) => {
    const login = files.filter((f) => f.json.kind === 'login')
    let cases = 0
    const failures = []
    for (const f of login) {
      const r = await runSamlLoginFile(f.json, makeStore)
      assert.equal(r.cases, f.json.cases.length, `${f.name}: every case ran`)
      cases += r.cases
      failures.push(...r.failures)
    }
    assert.ok(cases > 0)
    assert.deepEqual(failures, [], failures.join('\n'))
    t.diagnostic(`${cases} login cases`)
  })
}

test('the vector files hold as many cases as were run', async () => {
  let ran = 0
  for (const f of files) {
    ran += f.json.kind === 'login'
      ? (await runSamlLoginFile(f.json, (ws) => new MemoryStore(ws))).cases
      : (await runSamlValidationFile(f.json)).cases
  }
  assert.equal(ran, presentCases)
})
