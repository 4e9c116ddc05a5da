'use strict'
// The addon's boundary with its host (issue 13): every value a store can throw or reject with
// ends the request as store_failed with that value as cause; settings refused with the field
// named; a panic reaches JS as internal_error and prints nothing; a store that re-enters the
// handler without end gets an error instead of a crash; an answer listing more rows than asked
// is refused before conversion; signals thrown where they do not apply keep their value;
// getters that throw, lone surrogates and forgotten awaits are refused in clear words; and a
// handler's native memory.

const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const path = require('node:path')
const fs = require('node:fs')
const { Handler, ServiceProvider, generateToken, selectUsers } = require('..')
const { MemoryStore, AsyncMemoryStore } = require('./memory-store')
const { PENDING, REPO } = require('./vectors')

const BASE = 'https://example.test/scim/v2'
const ACCEPT = JSON.parse(fs.readFileSync(path.join(REPO, 'tests/vectors/saml/accept.json'), 'utf8'))
const ADDON = path.resolve(__dirname, '..')

function setup(Store = MemoryStore, patch = () => {}, config = { baseUrl: BASE }) {
  const { token } = generateToken()
  const store = new Store([{ id: 'ws-a', name: 'A', tokens: [token] }])
  patch(store)
  return { store, handler: new Handler(store, config), auth: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' } }
}

/** snake_case keys to camelCase, at the top and in `xml_limits` (what a Node host writes). */
function camelSettings(settings) {
  const camel = (k) => k.replace(/_([a-z])/g, (_, c) => c.toUpperCase())
  const out = {}
  for (const [k, v] of Object.entries(settings)) {
    out[camel(k)] = k === 'xml_limits' ? Object.fromEntries(Object.entries(v).map(([x, y]) => [camel(x), y])) : v
  }
  return out
}

/** The outcome of `pending`, or a failure if it has not settled within two seconds. */
async function settled(pending) {
  let timer
  const late = new Promise((resolve) => { timer = setTimeout(resolve, 2000, 'timed out') })
  try {
    const outcome = await Promise.race([pending.then((value) => ({ value }), (error) => ({ error })), late])
    assert.notEqual(outcome, 'timed out', 'the request ended')
    return outcome
  } finally {
    clearTimeout(timer)
  }
}

class DbError extends RangeError {}
const hostile = new Proxy({}, {
  get() { throw new Error('get trap') },
  has() { throw new Error('has trap') },
  getOwnPropertyDescriptor() { throw new Error('descriptor trap') },
  getPrototypeOf() { throw new Error('prototype trap') },
  ownKeys() { throw new Error('keys trap') },
})
const THROWN = [
  ['a Symbol', Symbol('db down')],
  ['undefined', undefined],
  ['null', null],
  ['a number', 42],
  ['an object without message', { reason: 'no' }],
  ['an Error subclass', new DbError('connection refused')],
  ['a Proxy that throws on property access', hostile],
  ['an object whose toString throws', { toString() { throw new Error('toString') } }],
]

for (const [form, fail] of [
  ['a plain method throws', (v) => () => { throw v }],
  ['an async method rejects with', (v) => async () => { throw v }],
]) {
  test(`when ${form} any value, handle rejects with store_failed and that value as cause`, async () => {
    for (const [what, value] of THROWN) {
      const { handler, auth } = setup(MemoryStore, (s) => { s.getUser = fail(value) })
      let pending
      assert.doesNotThrow(() => { pending = handler.handle({ method: 'GET', path: '/Users/x', headers: auth }) }, what)
      if (form.startsWith('a plain')) {
        // A plain store's request is over when handle returns.
        const first = await Promise.race([pending, PENDING]).catch((e) => e)
        assert.notEqual(first, PENDING, `${what}: settled within the call`)
      }
      const { error } = await settled(pending)
      assert.ok(error instanceof Error, what)
      assert.equal(error.code, 'store_failed', what)
      assert.ok(Object.is(error.cause, value), `${what}: the very value as cause`)
      assert.equal(typeof error.message, 'string')
      // The handler keeps working afterwards.
      assert.equal((await handler.handle({ method: 'GET', path: '/ServiceProviderConfig' })).status, 200)
    }
  })

  test(`when ${form} any value in a sign-in's store call, decide and signIn reject with store_failed and that value`, async () => {
    const sp = new ServiceProvider(ACCEPT.settings)
    const options = { now: ACCEPT.now, requestId: ACCEPT.request_id }
    const identity = sp.validateSync(ACCEPT.cases[0].response, options)
    for (const [what, value] of THROWN) {
      for (const method of ['rememberAssertion', 'findByUserName']) {
        // A fresh store for each call: the first one remembers the assertion.
        for (const call of [(h) => h.decide('ws-a', sp, identity), (h) => h.signIn('ws-a', sp, ACCEPT.cases[0].response, options)]) {
          const { handler } = setup(MemoryStore, (s) => { s[method] = fail(value) })
          const { error } = await settled(call(handler))
          assert.equal(error?.code, 'store_failed', `${what} from ${method}`)
          assert.ok(Object.is(error.cause, value), `${what} from ${method}: the very value`)
        }
      }
    }
  })
}

test('numeric settings out of range are refused at construction with invalid_settings naming the field and range', () => {
  const saml = camelSettings(ACCEPT.settings)
  assert.ok(new ServiceProvider(saml), 'the base settings are valid')
  const refused = (make, field, range) => {
    assert.throws(make, (e) => {
      assert.ok(e instanceof Error)
      assert.equal(e.code, 'invalid_settings', e.message)
      assert.match(e.message, field)
      assert.match(e.message, range)
      return true
    })
  }
  const sp = (extra) => () => new ServiceProvider({ ...saml, ...extra })
  refused(sp({ clockSkewSeconds: 1e12 }), /clock_skew_seconds/, /between 0 and 86400/)
  refused(sp({ clockSkewSeconds: 2 ** 64 - 1 }), /clockSkewSeconds/, /between 0 and 86400/)
  refused(sp({ clockSkewSeconds: -1 }), /clockSkewSeconds/, /between 0 and 86400/)
  refused(sp({ clockSkewSeconds: 1.5 }), /clockSkewSeconds/, /between 0 and 86400|floating point/)
  refused(sp({ maxResponseBytes: 2 ** 64 }), /maxResponseBytes/, /between 1 and 67108864/)
  refused(sp({ maxResponseBytes: 1e300 }), /maxResponseBytes/, /between 1 and 67108864/)
  refused(sp({ xmlLimits: { ...saml.xmlLimits, maxNodes: 1e12 } }), /xmlLimits\.maxNodes/, /between 1 and 1000000/)
  const store = new MemoryStore()
  const scim = (limits) => () => new Handler(store, { baseUrl: BASE, limits })
  refused(scim({ maxJsonDepth: 1e9 }), /max_json_depth/, /between 1 and 128/)
  refused(scim({ maxJsonDepth: 2 ** 64 - 1 }), /limits\.maxJsonDepth/, /between 1 and 128/)
})

test('a panic inside the addon reaches JS as internal_error and prints nothing on stderr', () => {
  // A child process, so its whole stderr can be checked; RUST_BACKTRACE would make Rust's
  // default hook print even more.
  const script = `
    const sso = require(${JSON.stringify(ADDON)})
    const { MemoryStore } = require(${JSON.stringify(path.join(__dirname, 'memory-store.js'))})
    const seen = {}
    const record = (kind) => (e) => { seen[kind] = { error: e instanceof Error, code: e.code, message: e.message } }
    try { sso.__ssoScimPanicForTests('sync'); seen.sync = 'returned' } catch (e) { record('sync')(e) }
    const handler = new sso.Handler(new MemoryStore())
    Promise.all([
      sso.__ssoScimPanicForTests('pool').then(() => { seen.pool = 'resolved' }, record('pool')),
      sso.__ssoScimPanicForTests('resolve').then(() => { seen.resolve = 'resolved' }, record('resolve')),
      sso.__ssoScimPanicForTests('driven', handler).then(() => { seen.driven = 'resolved' }, record('driven')),
    ]).then(async () => {
      // Everything still works after the panics.
      seen.after = (await handler.handle({ method: 'GET', path: '/ServiceProviderConfig' })).status
      process.stdout.write(JSON.stringify(seen))
    })
  `
  const child = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, RUST_BACKTRACE: 'full' }, encoding: 'utf8', timeout: 60_000 })
  assert.equal(child.status, 0, child.stderr)
  assert.equal(child.stderr, '', 'nothing printed on stderr')
  const seen = JSON.parse(child.stdout)
  for (const kind of ['sync', 'pool', 'resolve', 'driven']) {
    assert.equal(seen[kind].error, true, kind)
    assert.equal(seen[kind].code, 'internal_error', kind)
    assert.match(seen[kind].message, /internal error .*please report.*test panic/, kind)
  }
  assert.equal(seen.after, 200)
})

test('a store that re-enters the handler 200 levels deep gets a clear error, not a crash', async () => {
  let calls = 0
  let handler
  let auth
  ;({ handler, auth } = setup(MemoryStore, (s) => {
    s.getUser = function () {
      calls++
      // A plain method re-entering handle: each level runs on top of the one below it.
      if (calls < 200) return handler.handle({ method: 'GET', path: '/Users/x', headers: auth }).then(() => null)
      return null
    }
  }))
  const { error } = await settled(handler.handle({ method: 'GET', path: '/Users/x', headers: auth }))
  assert.ok(error instanceof Error)
  assert.equal(error.code, 'store_failed')
  // The cause chain leads down to the refusal.
  let deepest = error
  let links = 0
  while (deepest.cause instanceof Error) {
    deepest = deepest.cause
    links++
  }
  assert.equal(deepest.code, 'store_contract_violated')
  assert.match(deepest.message, /16 levels deep/)
  assert.equal(links, 16, 'one store_failed per level, then the refusal')
  assert.equal(calls, 16, 'the store was entered 16 times, not 200')
  // The count is back to zero: the handler answers normally, and can nest again.
  assert.equal((await handler.handle({ method: 'GET', path: '/ServiceProviderConfig' })).status, 200)
  calls = 0
  await settled(handler.handle({ method: 'GET', path: '/Users/x', headers: auth }))
  assert.equal(calls, 16)
})

test('re-entering from an async store after an await does not nest, and is not limited', async () => {
  // Each level waits on an async workspaceForToken first: the stack unwinds in between.
  let calls = 0
  let handler
  let auth
  ;({ handler, auth } = setup(AsyncMemoryStore, (s) => {
    s.getUser = async function () {
      calls++
      if (calls < 200) await handler.handle({ method: 'GET', path: '/Users/x', headers: auth })
      return null
    }
  }))
  const { value } = await settled(handler.handle({ method: 'GET', path: '/Users/x', headers: auth }))
  assert.equal(value.status, 404)
  assert.equal(calls, 200)
})

test('a store that ignores count is refused before a single record is converted', async () => {
  const rows = Array.from({ length: 1_000_000 }, (_, i) => ({ id: `u${i}` }))
  for (const Store of [MemoryStore, AsyncMemoryStore]) {
    let converted = 0
    const { handler, auth } = setup(Store, (s) => {
      s.queryUsers = function () {
        // A getter on one record: converting any record would run it.
        const users = rows.slice()
        users[0] = { get id() { converted++; return 'u0' } }
        return { totalResults: users.length, users }
      }
    })
    const { error } = await settled(handler.handle({ method: 'GET', path: '/Users', query: 'count=5', headers: auth }))
    assert.equal(error?.code, 'store_contract_violated', Store.name)
    assert.match(error.message, /queryUsers listed 1000000 records for a count of 5/)
    assert.equal(converted, 0, 'no record was converted')
  }
})

test('a written record answered with an older version, and a page listing an id twice, are contract violations', async () => {
  const body = JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'alice@example.com' })
  const older = setup(MemoryStore, (s) => {
    s.insertUser = function (user) {
      MemoryStore.prototype.insertUser.call(this, user)
      return { ...user, version: user.version - 1 }
    }
  })
  const { error: stale } = await settled(older.handler.handle({ method: 'POST', path: '/Users', headers: older.auth, body }))
  assert.equal(stale?.code, 'store_contract_violated')
  assert.match(stale.message, /version/)
  const twice = setup(MemoryStore, (s) => {
    s.queryUsers = function (ws, query) {
      const page = MemoryStore.prototype.queryUsers.call(this, ws, query)
      return { totalResults: 2, users: [page.users[0], page.users[0]] }
    }
  })
  const created = await twice.handler.handle({ method: 'POST', path: '/Users', headers: twice.auth, body })
  assert.equal(created.status, 201, created.body)
  const { error: duplicate } = await settled(twice.handler.handle({ method: 'GET', path: '/Users', headers: twice.auth }))
  assert.equal(duplicate?.code, 'store_contract_violated')
  assert.match(duplicate.message, /listed id .* twice/)
})

test('a store signal thrown where it does not apply is a store failure keeping the value as cause', async () => {
  for (const code of ['conflict', 'not_found', 'version_mismatch']) {
    for (const Store of [MemoryStore, AsyncMemoryStore]) {
      const signal = Object.assign(new Error(`signalled ${code}`), { code })
      const { handler, auth } = setup(Store, (s) => {
        s.getUser = Store === MemoryStore ? () => { throw signal } : async () => { throw signal }
      })
      const { error } = await settled(handler.handle({ method: 'GET', path: '/Users/x', headers: auth }))
      assert.equal(error?.code, 'store_failed', `${code} from getUser`)
      assert.equal(error.cause, signal, 'the very value')
      assert.equal(error.message, `signalled ${code}`)
    }
  }
  // Where it applies, a signal is still answered (409 for a conflict on insert).
  const { handler, auth } = setup(MemoryStore, (s) => {
    s.insertUser = () => { throw Object.assign(new Error('taken'), { code: 'conflict' }) }
  })
  const body = JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'a@example.com' })
  assert.equal((await handler.handle({ method: 'POST', path: '/Users', headers: auth, body })).status, 409)
})

test('a getter that throws 42 is refused in clear words with 42 as cause', async () => {
  const { handler, auth } = setup()
  const cases = [
    [() => handler.handle({ method: 'GET', get path() { throw 42 } }), 'invalid_argument', /request\.path/],
    [() => handler.handle({ method: 'GET', path: '/Users', headers: { get authorization() { throw 42 } } }), 'invalid_argument', /headers/],
  ]
  for (const [call, code, words] of cases) {
    let pending
    assert.doesNotThrow(() => { pending = call() })
    const { error } = await settled(pending)
    assert.equal(error?.code, code)
    assert.match(error.message, words)
    assert.equal(error.cause, 42)
    assert.doesNotMatch(error.message, /Create Error reference/)
  }
  const store = new MemoryStore()
  Object.defineProperty(store, 'getUser', { get() { throw 42 } })
  assert.throws(() => new Handler(store), (e) => e.code === 'invalid_store' && /getUser/.test(e.message) && e.cause === 42)
  assert.throws(() => new Handler(new MemoryStore(), { get baseUrl() { throw 42 } }), (e) => e.code === 'invalid_settings' && e.cause === 42)
  assert.throws(() => new ServiceProvider({ get spEntityId() { throw 42 } }), (e) => e.code === 'invalid_settings' && e.cause === 42)
  assert.throws(() => selectUsers({ get count() { throw 42 } }, []), (e) => e.code === 'invalid_argument' && e.cause === 42)
  const answer = setup(MemoryStore, (s) => { s.getUser = () => ({ get id() { throw 42 } }) })
  const { error } = await settled(answer.handler.handle({ method: 'GET', path: '/Users/x', headers: answer.auth }))
  assert.equal(error?.code, 'store_contract_violated')
  assert.equal(error.cause, 42)
})

test('a lone surrogate in settings is invalid_settings naming the field', () => {
  const saml = camelSettings(ACCEPT.settings)
  assert.throws(() => new ServiceProvider({ ...saml, spEntityId: '\uD800' }), (e) => {
    assert.equal(e.code, 'invalid_settings')
    assert.match(e.message, /spEntityId holds a lone surrogate \(\\uD800\)/)
    return true
  })
  assert.throws(() => new ServiceProvider({ ...saml, attributeMap: { ['e\uDC01']: 'x' } }), (e) => e.code === 'invalid_settings' && /attributeMap/.test(e.message))
  assert.throws(() => new Handler(new MemoryStore(), { baseUrl: `${BASE}/\uDBFF` }), (e) => e.code === 'invalid_settings' && /baseUrl holds a lone surrogate/.test(e.message))
  // A well-formed pair is text like any other.
  assert.ok(new Handler(new MemoryStore(), { baseUrl: `${BASE}/\uD83D\uDE00` }))
})

test('a thenable where a plain value belongs is refused with "did you forget await?"', async () => {
  const { handler, auth } = setup(MemoryStore, (s) => { s.getUser = () => ({ then() {} }) })
  const { error } = await settled(handler.handle({ method: 'GET', path: '/Users/x', headers: auth }))
  assert.equal(error?.code, 'store_contract_violated')
  assert.match(error.message, /getUser.*did you forget await\?/)
  const sp = new ServiceProvider(ACCEPT.settings)
  const identity = sp.validate(ACCEPT.cases[0].response, { now: ACCEPT.now, requestId: ACCEPT.request_id })
  const { error: decided } = await settled(handler.decide('ws-a', sp, identity))
  assert.equal(decided?.code, 'invalid_argument')
  assert.match(decided.message, /identity.*did you forget await\?/)
  const { error: request } = await settled(handler.handle(Promise.resolve({ method: 'GET', path: '/Users' })))
  assert.equal(request?.code, 'invalid_argument')
  assert.match(request.message, /did you forget await\?/)
  await identity
})

test('handlers with the same settings share their native core: about 4 KiB each, not 57', () => {
  // A child process with --expose-gc: 10,000 handlers, the RSS growth per handler.
  const script = `
    const { Handler } = require(${JSON.stringify(ADDON)})
    const { MemoryStore } = require(${JSON.stringify(path.join(__dirname, 'memory-store.js'))})
    const N = 10000
    gc()
    const before = process.memoryUsage().rss
    const keep = []
    for (let i = 0; i < N; i++) keep.push(new Handler(new MemoryStore(), { baseUrl: 'https://example.test/scim/v2' }))
    gc()
    process.stdout.write(String((process.memoryUsage().rss - before) / N))
  `
  const child = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8', timeout: 120_000 })
  assert.equal(child.status, 0, child.stderr)
  const perHandler = Number(child.stdout)
  assert.ok(perHandler < 20 * 1024, `${Math.round(perHandler)} bytes of RSS per handler`)
})
