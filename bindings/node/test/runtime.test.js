'use strict'
// The event loop is never blocked, concurrency is real, and a handler neither leaks its
// store nor keeps Node alive.

const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const path = require('node:path')
const { Handler, generateToken } = require('..')
const { MemoryStore, AsyncMemoryStore } = require('./memory-store')

test('1,000 concurrent requests with an async store complete while a timer keeps ticking', async () => {
  const { token } = generateToken()
  let ticks = 0
  const timer = setInterval(() => { ticks += 1 }, 1)
  // Every store answer waits for the next timer turn: the requests can only finish if the
  // event loop keeps running timers while they are in flight.
  const store = new AsyncMemoryStore([{ id: 'ws-a', name: 'A', tokens: [token] }], () => new Promise((r) => setTimeout(r, 1)))
  const handler = new Handler(store, { baseUrl: 'https://example.test/scim/v2' })
  const auth = { authorization: `Bearer ${token}` }
  try {
    const requests = []
    for (let i = 0; i < 1000; i++) {
      const body = JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `user${i}@example.com` })
      requests.push(handler.handle({ method: 'POST', path: '/Users', headers: auth, body }))
    }
    const ticksBefore = ticks
    const responses = await Promise.all(requests)
    assert.ok(ticks > ticksBefore, 'the interval ran while the requests were in flight')
    assert.deepEqual([...new Set(responses.map((r) => r.status))], [201])
    assert.equal(store.users.length, 1000)
    assert.equal(new Set(responses.map((r) => JSON.parse(r.body).id)).size, 1000)
    // Same userName from 50 concurrent requests: exactly one wins.
    const dupes = await Promise.all(Array.from({ length: 50 }, () => handler.handle({
      method: 'POST', path: '/Users', headers: auth, body: JSON.stringify({ userName: 'same@example.com' }),
    })))
    assert.equal(dupes.filter((r) => r.status === 201).length, 1)
    assert.equal(dupes.filter((r) => r.status === 409).length, 49)
  } finally {
    clearInterval(timer)
  }
})

test('concurrent requests with a sync store all complete', async () => {
  const { token } = generateToken()
  const store = new MemoryStore([{ id: 'ws-a', name: 'A', tokens: [token] }])
  const handler = new Handler(store)
  const responses = await Promise.all(Array.from({ length: 500 }, (_, i) => handler.handle({
    method: 'POST', path: '/Users', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ userName: `u${i}` }),
  })))
  assert.equal(responses.filter((r) => r.status === 201).length, 500)
})

const child = (script) => spawnSync(process.execPath, ['--expose-gc', '-e', script], {
  cwd: path.join(__dirname, '..'),
  encoding: 'utf8',
  timeout: 20000,
})

test('a live handler does not keep the process alive', () => {
  const run = child(`
    const { Handler } = require('.')
    const { MemoryStore } = require('./test/memory-store')
    globalThis.handler = new Handler(new MemoryStore())
    handler.handle({ method: 'GET', path: '/ServiceProviderConfig' }).then((r) => console.log('status', r.status))
  `)
  assert.equal(run.error, undefined, `the child did not exit by itself: ${run.error}`)
  assert.equal(run.status, 0, run.stderr)
  assert.match(run.stdout, /status 200/)
})

test('a pending request keeps the process alive until it settles', () => {
  // The store answers from an unreferenced timer: only the addon's pending Promise can keep
  // Node running until then.
  const run = child(`
    const { Handler, ServiceProvider } = require('.')
    const { AsyncMemoryStore } = require('./test/memory-store')
    const later = () => new Promise((r) => setTimeout(r, 200).unref())
    const handler = new Handler(new AsyncMemoryStore([], later))
    // A first request settles (nothing pending: the addon lets go), then one that waits.
    handler.handle({ method: 'GET', path: '/ServiceProviderConfig' })
      .then(() => handler.handle({ method: 'GET', path: '/Users', headers: { authorization: 'Bearer x' } }))
      .then((r) => console.log('settled', r.status))
  `)
  assert.equal(run.status, 0, run.stderr)
  assert.match(run.stdout, /settled 401/)
})

test('a dropped handler is garbage-collected together with its store', () => {
  const run = child(`
    const { Handler } = require('.')
    const { AsyncMemoryStore } = require('./test/memory-store')
    const collected = new Set()
    const registry = new FinalizationRegistry((what) => collected.add(what))
    ;(async () => {
      for (let i = 0; i < 20; i++) {
        let store = new AsyncMemoryStore()
        let handler = new Handler(store)
        await handler.handle({ method: 'GET', path: '/Users' })
        registry.register(store, 'store' + i)
        registry.register(handler, 'handler' + i)
        store = handler = null
      }
      const before = process.memoryUsage().heapUsed
      for (let round = 0; round < 50 && collected.size < 40; round++) {
        global.gc()
        await new Promise((r) => setTimeout(r, 10))
      }
      console.log(JSON.stringify({ collected: collected.size }))
    })()
  `)
  assert.equal(run.error, undefined, String(run.error))
  assert.equal(run.status, 0, run.stderr)
  const { collected } = JSON.parse(run.stdout.trim().split('\n').pop())
  assert.equal(collected, 40, 'every handler and every store was collected')
})

test('handlers made and dropped in a loop do not grow the heap', () => {
  const run = child(`
    const { Handler } = require('.')
    const { MemoryStore } = require('./test/memory-store')
    const round = async () => {
      for (let i = 0; i < 150; i++) {
        const h = new Handler(new MemoryStore())
        await h.handle({ method: 'GET', path: '/ServiceProviderConfig' })
      }
      for (let i = 0; i < 10; i++) { global.gc(); await new Promise((r) => setImmediate(r)) }
      return process.memoryUsage()
    }
    ;(async () => {
      await round()
      const a = await round()
      await round(); await round()
      const b = await round()
      console.log(JSON.stringify({ heap: b.heapUsed - a.heapUsed, rss: b.rss - a.rss }))
    })()
  `)
  assert.equal(run.status, 0, run.stderr)
  const { heap } = JSON.parse(run.stdout.trim().split('\n').pop())
  // 450 more handlers between the two samples: a leak of even one store per handler
  // (its 13 bound methods) would show as hundreds of KiB.
  assert.ok(heap < 256 * 1024, `heap grew by ${heap} bytes over 450 handlers`)
})
