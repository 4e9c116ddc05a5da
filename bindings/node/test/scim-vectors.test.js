'use strict'
// Every SCIM vector through the addon, with a synchronous and an asynchronous store.

const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { vectorFiles, runScimVector } = require('./vectors')
const { MemoryStore, AsyncMemoryStore } = require('./memory-store')

const files = vectorFiles('scim')

for (const [kind, makeStore] of [
  ['sync store', (ws) => new MemoryStore(ws)],
  ['async store', (ws) => new AsyncMemoryStore(ws)],
]) {
  test(`every SCIM vector passes through the addon with a ${kind}`, async (t) => {
    let ran = 0
    let steps = 0
    const failures = []
    for (const file of files) {
      const result = await runScimVector(file, makeStore)
      ran += 1
      steps += result.steps
      if (result.failures.length === 0) {
        assert.equal(result.steps, result.total, `${path.basename(file)}: every step ran`)
      }
      failures.push(...result.failures)
    }
    assert.equal(ran, files.length)
    assert.ok(files.length >= 43, `expected every SCIM vector file, found ${files.length}`)
    assert.deepEqual(failures, [], `${failures.length} failures:\n${failures.join('\n')}`)
    t.diagnostic(`${ran} SCIM vector files, ${steps} steps`)
  })
}
