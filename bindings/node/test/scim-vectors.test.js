'use strict'
// Every SCIM vector through the addon, with a synchronous and an asynchronous store.

const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { vectorFiles, runScimVector } = require('./vectors')
const { MemoryStore, AsyncMemoryStore } = require('./memory-store')

const files = vectorFiles('scim')

// With the synchronous store, each step must also be finished when `handle` returns (every
// store call made within the call, the Promise settled): the request never left the JS thread.
for (const [kind, makeStore, synchronous] of [
  ['sync store', (ws) => new MemoryStore(ws), true],
  ['async store', (ws) => new AsyncMemoryStore(ws), false],
]) {
  test(`every SCIM vector passes through the addon with a ${kind}`, async (t) => {
    let ran = 0
    let steps = 0
    let storeCalls = 0
    const failures = []
    for (const file of files) {
      const result = await runScimVector(file, makeStore, { synchronous })
      ran += 1
      steps += result.steps
      storeCalls += result.storeCalls
      if (result.failures.length === 0) {
        assert.equal(result.steps, result.total, `${path.basename(file)}: every step ran`)
      }
      failures.push(...result.failures)
    }
    assert.equal(ran, files.length)
    assert.ok(files.length >= 46, `expected every SCIM vector file, found ${files.length}`)
    assert.deepEqual(failures, [], `${failures.length} failures:\n${failures.join('\n')}`)
    if (synchronous) assert.ok(storeCalls > steps, `the recording store saw the calls (${storeCalls})`)
    t.diagnostic(`${ran} SCIM vector files, ${steps} steps${synchronous ? `, ${storeCalls} store calls, all within handle` : ''}`)
  })
}
