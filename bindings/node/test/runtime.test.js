'use strict'
// Requests are driven on the JS thread: a synchronous store's request is finished within the
// call, concurrent requests never see each other's answers, the event loop keeps running, and a
// handler neither leaks its store nor keeps Node alive.

const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const path = require('node:path')
const fs = require('node:fs')
const { Handler, ServiceProvider, generateToken } = require('..')
const { MemoryStore, AsyncMemoryStore, METHODS } = require('./memory-store')
const { recordingStore, PENDING, REPO } = require('./vectors')

test('a request over a synchronous store is finished when handle returns, every store call made within it', async () => {
  const { token } = generateToken()
  const base = new MemoryStore([{ id: 'ws-a', name: 'A', tokens: [token] }])
  const { wrapped, record } = recordingStore(base, METHODS)
  const handler = new Handler(wrapped, { baseUrl: 'https://example.test/scim/v2' })
  const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' }
  const finished = async (start) => {
    const before = record.calls
    const pending = record.within(start)
    // Promise.race settles with an already settled Promise's outcome before a plain value.
    const outcome = await Promise.race([pending, PENDING])
    assert.notEqual(outcome, PENDING, 'settled before the call returned')
    assert.deepEqual(record.outside, [], 'no store call after the call returned')
    return { outcome, calls: record.calls - before }
  }
  const body = JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'alice@example.com' })
  const created = await finished(() => handler.handle({ method: 'POST', path: '/Users', headers: auth, body }))
  assert.equal(created.outcome.status, 201, created.outcome.body)
  assert.equal(created.calls, 3, 'workspaceForToken, findByUserName, insertUser')
  const id = JSON.parse(created.outcome.body).id
  const patch = JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'active', value: false }] })
  const patched = await finished(() => handler.handle({ method: 'PATCH', path: `/Users/${id}`, headers: auth, body: patch }))
  assert.equal(patched.outcome.status, 200, patched.outcome.body)
  assert.equal(JSON.parse(patched.outcome.body).active, false)
  // The login decision over the same store, and a store failure, finish within the call too.
  const accept = JSON.parse(fs.readFileSync(path.join(REPO, 'tests/vectors/saml/accept.json'), 'utf8'))
  const sp = new ServiceProvider(accept.settings)
  const identity = sp.validateSync(accept.cases[0].response, { now: accept.now, requestId: accept.request_id })
  const decided = await finished(() => handler.decide('ws-a', sp, identity))
  assert.deepEqual([decided.outcome.decision, decided.outcome.code], ['refused', 'unknown_user'])
  assert.equal(decided.calls, 2, 'rememberAssertion, findByUserName')
  const err = new Error('down')
  base.getUser = () => { throw err }
  const failed = record.within(() => handler.handle({ method: 'GET', path: `/Users/${id}`, headers: auth }))
  assert.deepEqual(record.outside, [])
  await assert.rejects(Promise.race([failed, PENDING]), (e) => e.code === 'store_failed' && e.cause === err)
})

test('concurrent requests over an async store answering out of order each get their own answer', async () => {
  const { token } = generateToken()
  const base = new MemoryStore([{ id: 'ws-a', name: 'A', tokens: [token] }])
  const auth = { authorization: `Bearer ${token}` }
  const setup = new Handler(base)
  const ids = []
  for (let i = 0; i < 300; i++) {
    const resp = await setup.handle({ method: 'POST', path: '/Users', headers: auth, body: JSON.stringify({ userName: `user${i}@example.com` }) })
    ids.push(JSON.parse(resp.body).id)
  }
  // Every store call is parked; each round answers a scrambled half of the parked calls, so
  // requests overtake each other between their first and their second store call.
  const parked = []
  const store = {}
  for (const m of METHODS) {
    store[m] = (...args) => new Promise((resolve, reject) => parked.push(() => {
      try { resolve(base[m](...args)) } catch (e) { reject(e) }
    }))
  }
  const handler = new Handler(store)
  const targets = ids.flatMap((id, i) => (i % 10 === 0 ? [id, `missing-${i}`] : [id]))
  const requests = targets.map((id) => handler.handle({ method: 'GET', path: `/Users/${id}`, headers: auth }))
  let done = false
  Promise.allSettled(requests).then(() => { done = true })
  let seed = 7
  const next = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed }
  let rounds = 0
  let answered = 0
  while (!done && rounds < 1000) {
    await new Promise((resolve) => setImmediate(resolve))
    for (let i = parked.length - 1; i > 0; i--) {
      const j = next() % (i + 1)
      ;[parked[i], parked[j]] = [parked[j], parked[i]]
    }
    for (const answer of parked.splice(0, Math.ceil(parked.length / 2))) {
      answer()
      answered += 1
    }
    rounds += 1
  }
  const responses = await Promise.all(requests)
  assert.equal(answered, targets.length * 2, 'two store calls per request')
  assert.ok(rounds > 4, `answers spread over ${rounds} rounds`)
  responses.forEach((resp, i) => {
    if (targets[i].startsWith('missing-')) {
      assert.equal(resp.status, 404, `request ${i}`)
    } else {
      assert.equal(resp.status, 200, `request ${i}: ${resp.body}`)
      const user = JSON.parse(resp.body)
      assert.equal(user.id, targets[i], `request ${i} got its own user`)
      assert.equal(user.userName, `user${ids.indexOf(targets[i])}@example.com`)
    }
  })
})

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

test('a pending request lives on the host\'s own work, as any JS Promise does', () => {
  // The addon holds no handle of its own while a request waits on a store Promise: what keeps
  // Node running is whatever the store is waiting for. A referenced timer keeps it alive until
  // the request settles; with an unreferenced one, Node exits with the request (and an
  // ordinary async function awaiting the same kind of timer) unsettled.
  const script = (unref) => `
    const { Handler, generateToken } = require('.')
    const { AsyncMemoryStore } = require('./test/memory-store')
    const { token } = generateToken()
    const later = () => new Promise((r) => { const t = setTimeout(r, 200); ${unref ? 't.unref()' : ''} })
    const store = new AsyncMemoryStore([{ id: 'ws', name: 'W', tokens: [token] }], later)
    const handler = new Handler(store)
    handler.handle({ method: 'GET', path: '/Users', headers: { authorization: 'Bearer ' + token } })
      .then((r) => console.log('settled', r.status, store.calls.join(',')))
    ;(async () => { await later(); console.log('plain JS settled') })()
    process.on('exit', () => console.log('exit'))
  `
  const kept = child(script(false))
  assert.equal(kept.status, 0, kept.stderr)
  assert.match(kept.stdout, /settled 200 workspaceForToken,queryUsers/)
  assert.match(kept.stdout, /plain JS settled/)
  const left = child(script(true))
  assert.equal(left.error, undefined, `the child did not exit by itself: ${left.error}`)
  assert.equal(left.status, 0, left.stderr)
  assert.doesNotMatch(left.stdout, /settled/)
  assert.match(left.stdout, /exit/)
})

test('SAML work off the JS thread keeps the process alive until its Promise settles', () => {
  // validate and signIn run the validation on libuv's thread pool: nothing else is pending in
  // the child, so only that queued work keeps Node running until the Promises settle.
  const run = child(`
    const fs = require('node:fs')
    const { Handler, ServiceProvider } = require('.')
    const { MemoryStore } = require('./test/memory-store')
    const accept = JSON.parse(fs.readFileSync('../../tests/vectors/saml/accept.json', 'utf8'))
    const sp = new ServiceProvider(accept.settings)
    const options = { now: accept.now, requestId: accept.request_id }
    const handler = new Handler(new MemoryStore([{ id: 'ws', name: 'W' }]))
    sp.validate(accept.cases[0].response, options)
      .then((identity) => console.log('validated', identity.nameId))
      .then(() => handler.signIn('ws', sp, accept.cases[0].response, options))
      .then((d) => console.log('signed in', d.decision, d.code))
  `)
  assert.equal(run.status, 0, run.stderr)
  assert.match(run.stdout, /validated jdoe@contoso\.com/)
  assert.match(run.stdout, /signed in refused unknown_user/)
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
