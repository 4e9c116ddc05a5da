'use strict'
// How the Handler talks to a host store: `this`, plain and async methods, kinds signalled by
// `code`, failures raised with the host's own value as `cause`, contract violations, missing
// methods, and the shapes a request may take.

const test = require('node:test')
const assert = require('node:assert/strict')
const { Handler, generateToken } = require('..')
const { MemoryStore, AsyncMemoryStore, METHODS } = require('./memory-store')

const BASE = 'https://example.test/scim/v2'

// Methods are read once, when the Handler is built: `patch` changes the store before that.
function setup(Store = MemoryStore, config = { baseUrl: BASE }, patch = () => {}) {
  const { token } = generateToken()
  const store = new Store([{ id: 'ws-a', name: 'A', tokens: [token] }])
  patch(store)
  return { store, handler: new Handler(store, config), auth: { authorization: `Bearer ${token}` } }
}

const alice = JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'alice@example.com' })

class DbError extends Error {}

test('a class-based store is called with `this` bound, plain and async alike', async () => {
  for (const Store of [MemoryStore, AsyncMemoryStore]) {
    const { store, handler, auth } = setup(Store)
    const created = await handler.handle({ method: 'POST', path: '/Users', headers: { ...auth, 'content-type': 'application/scim+json' }, body: alice })
    assert.equal(created.status, 201, created.body)
    assert.equal(store.users.length, 1, 'the user landed in this very store object')
    assert.deepEqual(store.calls.slice(0, 2), ['workspaceForToken', 'findByUserName'])
    assert.equal(created.headers['Content-Type'], 'application/scim+json')
    assert.equal(created.headers.Location, `${BASE}/Users/${store.users[0].id}`)
    assert.equal(JSON.parse(created.body).userName, 'alice@example.com')
    assert.equal(created.errorCode, undefined)
  }
})

test('the store receives camelCase records and a camelCase query', async () => {
  let seen
  const { store, handler, auth } = setup(MemoryStore, { baseUrl: BASE }, (store) => {
    store.queryUsers = function (ws, query) {
      seen = query
      return MemoryStore.prototype.queryUsers.call(this, ws, query)
    }
  })
  await handler.handle({ method: 'POST', path: '/Users', headers: auth, body: alice })
  const user = store.users[0]
  for (const key of ['id', 'workspaceId', 'userName', 'role', 'state', 'version', 'created', 'lastModified', 'resource']) {
    assert.ok(key in user, `record has ${key}`)
  }
  assert.equal(user.state, 'active')
  assert.equal(user.role, 'Project Manager')
  assert.equal(user.resource.userName, 'alice@example.com', 'the SCIM document keeps its own keys')
  const list = await handler.handle({ method: 'GET', path: '/Users', query: 'filter=userName%20eq%20%22ALICE@example.com%22', headers: auth })
  assert.equal(list.status, 200)
  assert.equal(JSON.parse(list.body).totalResults, 1)
  assert.equal(seen.filter, 'userName eq "ALICE@example.com"')
  assert.deepEqual(seen.indexHint, { attribute: 'userName', value: 'ALICE@example.com' })
  assert.equal(seen.filterAst.op, 'compare')
  assert.equal(seen.startIndex, 1)
})

for (const [how, fail] of [
  ['throws synchronously', (err) => () => { throw err }],
  ['rejects', (err) => async () => { throw err }],
]) {
  test(`a store that ${how} makes handle reject with store_failed and the host's error as cause`, async () => {
    const err = new DbError('connection refused')
    let failing = true
    const { handler, auth } = setup(MemoryStore, undefined, (store) => {
      store.getUser = (...args) => (failing ? fail(err)() : MemoryStore.prototype.getUser.apply(store, args))
    })
    await assert.rejects(handler.handle({ method: 'GET', path: '/Users/x', headers: auth }), (e) => {
      assert.ok(e instanceof Error)
      assert.equal(e.code, 'store_failed')
      assert.equal(e.message, 'connection refused')
      assert.equal(e.cause, err, 'the very object the store threw')
      assert.ok(e.cause instanceof DbError)
      return true
    })
    // The handler keeps working afterwards.
    failing = false
    assert.equal((await handler.handle({ method: 'GET', path: '/Users/x', headers: auth })).status, 404)
  })

  test(`a store that ${how} a non-Error value hands that value back as cause`, async () => {
    let value = 'boom'
    const { handler, auth } = setup(MemoryStore, undefined, (store) => {
      store.getUser = () => fail(value)()
    })
    await assert.rejects(handler.handle({ method: 'GET', path: '/Users/x', headers: auth }), (e) => {
      assert.equal(e.code, 'store_failed')
      assert.equal(e.cause, 'boom')
      return true
    })
    const plain = { reason: 'no' }
    value = plain
    await assert.rejects(handler.handle({ method: 'GET', path: '/Users/x', headers: auth }), (e) => e.cause === plain)
  })

  test(`a store that ${how} with code "conflict" signals a conflict, not a failure`, async () => {
    const { handler, auth } = setup(MemoryStore, undefined, (store) => {
      store.insertUser = fail(Object.assign(new Error('duplicate key'), { code: 'conflict' }))
    })
    const resp = await handler.handle({ method: 'POST', path: '/Users', headers: auth, body: alice })
    assert.equal(resp.status, 409)
    assert.equal(resp.errorCode, 'uniqueness')
    assert.equal(JSON.parse(resp.body).scimType, 'uniqueness')
  })
}

test('a store error code that is not a signal name is a plain failure', async () => {
  const err = Object.assign(new Error('pg'), { code: 'ECONNRESET' })
  const { handler, auth } = setup(MemoryStore, undefined, (store) => {
    store.getUser = () => { throw err }
  })
  await assert.rejects(handler.handle({ method: 'GET', path: '/Users/x', headers: auth }), (e) => e.code === 'store_failed' && e.cause === err)
})

test('an answer that breaks the contract rejects with store_contract_violated', async () => {
  for (const answer of [() => 42, async () => ({ id: 'x' }), () => ({ id: 1n })]) {
    const { handler, auth } = setup(MemoryStore, undefined, (store) => {
      store.getUser = answer
    })
    await assert.rejects(handler.handle({ method: 'GET', path: '/Users/x', headers: auth }), (e) => {
      assert.equal(e.code, 'store_contract_violated')
      assert.match(e.message, /getUser/)
      if (answer.toString().includes('1n')) {
        // What JSON.stringify threw reading the answer is kept as cause.
        assert.ok(e.cause instanceof TypeError, String(e.cause))
        assert.match(e.message, /BigInt/)
      } else {
        assert.equal(e.cause, undefined)
      }
      return true
    })
  }
})

test('a record of another workspace rejects with store_contract_violated and never reaches the client', async () => {
  // A store whose lookup forgets the workspace: the core's tenant check refuses its answer.
  const { store, handler, auth } = setup(MemoryStore, undefined, (s) => {
    s.getUser = (ws, id) => s.users.find((u) => u.id === id) ?? null
  })
  const created = await handler.handle({ method: 'POST', path: '/Users', headers: { ...auth, 'content-type': 'application/scim+json' }, body: alice })
  assert.equal(created.status, 201, created.body)
  store.users[0].workspaceId = 'ws-other'
  await assert.rejects(handler.handle({ method: 'GET', path: `/Users/${store.users[0].id}`, headers: auth }), (e) => {
    assert.equal(e.code, 'store_contract_violated')
    assert.match(e.message, /another workspace/)
    return true
  })
})

test('a required method missing or not a function is refused when the handler is built', () => {
  for (const name of METHODS.slice(0, 7)) {
    const store = new MemoryStore()
    const plain = {}
    for (const m of METHODS) plain[m] = store[m].bind(store)
    delete plain[name]
    assert.throws(() => new Handler(plain), (e) => e.code === 'invalid_store' && e.message.includes(name))
    plain[name] = 'not a function'
    assert.throws(() => new Handler(plain), (e) => e.code === 'invalid_store' && e.message.includes(name))
  }
  assert.throws(() => new Handler(null), (e) => e.code === 'invalid_store')
  assert.throws(() => new Handler(42), (e) => e.code === 'invalid_store')
})

test('a store without the optional group methods answers /Groups with 501', async () => {
  const { token } = generateToken()
  const full = new MemoryStore([{ id: 'ws-a', name: 'A', tokens: [token] }])
  const store = {}
  for (const m of METHODS.slice(0, 7)) store[m] = full[m].bind(full)
  const handler = new Handler(store)
  const resp = await handler.handle({ method: 'GET', path: '/Groups', headers: { authorization: `Bearer ${token}` } })
  assert.equal(resp.status, 501)
  assert.equal(resp.errorCode, 'not_implemented')
  const users = await handler.handle({ method: 'GET', path: '/Users', headers: { authorization: `Bearer ${token}` } })
  assert.equal(users.status, 200)
})

test('settings are checked: camelCase or snake_case, unknown keys refused', async () => {
  const store = new MemoryStore()
  assert.throws(() => new Handler(store, { baseUrl: BASE, bogus: 1 }), (e) => e.code === 'invalid_settings')
  assert.throws(() => new Handler(store, { limits: { maxResults: 0 } }), (e) => e.code === 'invalid_settings')
  const { handler, auth } = setup(MemoryStore, { base_url: BASE, patch_response: 'no_content', limits: { maxResults: 5, defaultPageSize: 5 } })
  const config = JSON.parse((await handler.handle({ method: 'GET', path: '/ServiceProviderConfig', headers: auth })).body)
  assert.equal(config.filter.maxResults, 5)
  assert.ok(new Handler(store, null))
  assert.ok(new Handler(store))
})

test('headers may be an object with array values or a list of pairs; bodies a string, Buffer or Uint8Array', async () => {
  const { handler, auth } = setup()
  const bodies = [alice, Buffer.from(alice), new TextEncoder().encode(alice)]
  for (const [i, body] of bodies.entries()) {
    const doc = JSON.parse(alice)
    doc.userName = `user${i}@example.com`
    const raw = typeof body === 'string' ? JSON.stringify(doc) : Buffer.isBuffer(body) ? Buffer.from(JSON.stringify(doc)) : new TextEncoder().encode(JSON.stringify(doc))
    const headers = i === 0 ? [['Authorization', auth.authorization], ['Content-Type', 'application/scim+json']] : { ...auth, 'content-type': ['application/scim+json'] }
    const resp = await handler.handle({ method: 'POST', path: '/Users', headers, body: raw })
    assert.equal(resp.status, 201, resp.body)
  }
  const list = await handler.handle({ method: 'GET', path: '/Users?count=2', headers: auth })
  assert.equal(JSON.parse(list.body).itemsPerPage, 2, 'a query left on the path is split off')
  const gone = await handler.handle({ method: 'GET', path: '/Users', headers: {} })
  assert.equal(gone.status, 401)
  assert.equal(gone.errorCode, 'unauthorized')
  assert.ok(gone.errorMessage.length > 0)
  assert.ok(gone.headers['WWW-Authenticate'])
})

test('a request of the wrong shape rejects with invalid_argument (never throws)', async () => {
  const { handler, auth } = setup()
  const wrong = [
    undefined,
    'GET /Users',
    { path: '/Users' },
    { method: 'GET', path: 7 },
    { method: 'GET', path: '/Users', headers: 'x' },
    { method: 'GET', path: '/Users', headers: [['a']] },
    { method: 'GET', path: '/Users', headers: { a: { b: 1 } } },
    { method: 'POST', path: '/Users', headers: auth, body: { userName: 'parsed' } },
    { method: 'POST', path: '/Users', headers: auth, body: 42 },
  ]
  for (const request of wrong) {
    const pending = handler.handle(request)
    assert.ok(pending instanceof Promise)
    await assert.rejects(pending, (e) => e.code === 'invalid_argument', JSON.stringify(request))
  }
  await assert.rejects(handler.handle({ method: 'POST', path: '/Users', headers: auth, body: { a: 1 } }), /raw body/)
})

test('errors carry the documented shape', async () => {
  const { handler, auth } = setup()
  const resp = await handler.handle({ method: 'POST', path: '/Users', headers: auth, body: '{"userName": 1' })
  assert.equal(resp.status, 400)
  assert.equal(resp.errorCode, 'invalid_syntax')
  assert.equal(JSON.parse(resp.body).scimType, 'invalidSyntax')
})

test('getters that throw are contained: in the store object and on a thrown error', async () => {
  const store = new MemoryStore()
  Object.defineProperty(store, 'getUser', { get() { throw new Error('no getter for you') } })
  assert.throws(() => new Handler(store), (e) => e.code === 'invalid_store' && /getUser/.test(e.message))
  const weird = Object.defineProperty(new Error('weird'), 'code', { get() { throw new Error('nope') } })
  const { handler, auth } = setup(MemoryStore, undefined, (s) => {
    s.getUser = () => { throw weird }
  })
  await assert.rejects(handler.handle({ method: 'GET', path: '/Users/x', headers: auth }), (e) => e.code === 'store_failed' && e.cause === weird)
  assert.equal((await handler.handle({ method: 'GET', path: '/ServiceProviderConfig' })).status, 200)
})
