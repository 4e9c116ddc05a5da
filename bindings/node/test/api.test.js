'use strict'
// ServiceProvider, metadata, AuthnRequest, the login decision from an identity, token and key
// helpers, and the generated types.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const sso = require('..')
const { ServiceProvider, Handler } = sso
const { MemoryStore } = require('./memory-store')
const { REPO } = require('./vectors')

const accept = JSON.parse(fs.readFileSync(path.join(REPO, 'tests/vectors/saml/accept.json'), 'utf8'))
const entraDefault = accept.cases[0]
const entraMetadata = fs.readFileSync(path.join(REPO, 'core/tests/data/metadata/entra_tenant.xml'), 'utf8')
const options = { now: accept.now, requestId: accept.request_id }

test('ServiceProvider takes snake_case or camelCase settings and shows them camelCase', () => {
  const camel = {
    spEntityId: accept.settings.sp_entity_id,
    acsUrl: accept.settings.acs_url,
    idpEntityId: accept.settings.idp_entity_id,
    idpCertificates: accept.settings.idp_certificates,
  }
  for (const settings of [accept.settings, camel]) {
    const sp = new ServiceProvider(settings)
    assert.equal(sp.settings.spEntityId, accept.settings.sp_entity_id)
    assert.equal(sp.settings.clockSkewSeconds, 180)
    assert.equal(sp.settings.userLookup, 'name_id')
    assert.ok(Array.isArray(sp.settings.attributeMap.givenName))
  }
  assert.throws(() => new ServiceProvider({ ...camel, bogus: true }), (e) => e.code === 'invalid_settings')
  assert.throws(() => new ServiceProvider({ ...camel, idpCertificates: [] }), (e) => e.code === 'invalid_settings')
  assert.throws(() => new ServiceProvider({ ...camel, idpCertificates: ['not a cert'] }), (e) => e.code === 'invalid_certificate')
  assert.throws(() => new ServiceProvider('x'), (e) => e.code === 'invalid_settings')
})

test('minRsaKeyBits: an IdP RSA key under it is refused at construction; certificates say their key', async () => {
  const weak = fs.readFileSync(path.join(REPO, 'core/tests/data/saml/idp-rsa1024-cert.pem'), 'utf8')
  const settings = { ...accept.settings, idp_certificates: [weak] }
  // Mixed key cases would let the snake_case default shadow minRsaKeyBits.
  delete settings.min_rsa_key_bits
  assert.throws(() => new ServiceProvider(settings), (e) => e.code === 'invalid_certificate' && /1024-bit RSA key; the minimum is 2048 bits/.test(e.message))
  assert.throws(() => new ServiceProvider({ ...settings, minRsaKeyBits: 512 }), (e) => e.code === 'invalid_settings' && /min_rsa_key_bits/.test(e.message))
  const sp = new ServiceProvider({ ...settings, minRsaKeyBits: 1024 })
  assert.equal(sp.settings.minRsaKeyBits, 1024)
  assert.equal(new ServiceProvider(accept.settings).settings.minRsaKeyBits, 2048)
  const [cert] = await sp.certificatesExpiringWithin(365 * 1000)
  assert.equal(cert.keyType, 'rsa')
  assert.equal(cert.keyBits, 1024)
})

test('validate resolves with the camelCase identity; `now` is a Date or an RFC 3339 string', async () => {
  const sp = new ServiceProvider(accept.settings)
  const identity = await sp.validate(entraDefault.response, options)
  assert.equal(identity.nameId, 'jdoe@contoso.com')
  assert.equal(identity.givenName, 'John')
  assert.equal(identity.notOnOrAfter, '2026-03-04T12:05:00.123Z')
  assert.ok(identity.attributes['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname'])
  const viaDate = sp.validateSync(Buffer.from(entraDefault.response), { ...options, now: new Date(accept.now) })
  assert.deepEqual(viaDate, identity)
  await assert.rejects(sp.validate(entraDefault.response, { requestId: accept.request_id }), (e) => e.code === 'expired')
  await assert.rejects(sp.validate(entraDefault.response, { now: accept.now }), (e) => e.code === 'in_response_to_mismatch' || e.code === 'unsolicited_response')
  await assert.rejects(sp.validate('<x/>', options), (e) => e.code === 'malformed_response')
  for (const now of ['yesterday', new Date('nope'), 42]) {
    await assert.rejects(sp.validate(entraDefault.response, { ...options, now }), (e) => e.code === 'invalid_argument')
    assert.throws(() => sp.validateSync(entraDefault.response, { ...options, now }), (e) => e.code === 'invalid_argument')
  }
  await assert.rejects(sp.validate({ not: 'bytes' }, options), (e) => e.code === 'invalid_argument')
  await assert.rejects(sp.validate(entraDefault.response, { requestId: 7 }), (e) => e.code === 'invalid_argument')
  // Deprecated (a second parse), still working.
  assert.equal(await sp.inResponseToHint(entraDefault.response), accept.request_id)
  assert.equal(await sp.inResponseToHint('junk'), null)
})

test('validate takes every pending request id; the identity names the one answered', async () => {
  const sp = new ServiceProvider(accept.settings)
  const pending = ['_older-request', accept.request_id]
  const identity = await sp.validate(entraDefault.response, { now: accept.now, requestId: pending })
  assert.equal(identity.inResponseTo, accept.request_id)
  assert.deepEqual(sp.validateSync(entraDefault.response, { now: accept.now, requestId: pending }), identity)
  assert.equal(sp.validateSync(entraDefault.response, options).inResponseTo, accept.request_id, 'the single-id form too')
  for (const requestId of [['_older-request'], []]) {
    await assert.rejects(sp.validate(entraDefault.response, { now: accept.now, requestId }), (e) => e.code === 'in_response_to_mismatch')
    assert.throws(() => sp.validateSync(entraDefault.response, { now: accept.now, requestId }), (e) => e.code === 'in_response_to_mismatch')
  }
  for (const requestId of [[accept.request_id, 7], [null], { 0: accept.request_id, length: 1 }]) {
    await assert.rejects(sp.validate(entraDefault.response, { now: accept.now, requestId }), (e) => e.code === 'invalid_argument')
  }
  // signIn answers a decision, which cannot name the request answered: one id only.
  const handler = new Handler(new MemoryStore())
  await assert.rejects(handler.signIn('ws', sp, entraDefault.response, { now: accept.now, requestId: pending }), (e) => e.code === 'invalid_argument' && /validate/.test(e.message))
})

test('Handler.decide runs the login decision on a validated identity', async () => {
  const sp = new ServiceProvider(accept.settings)
  const identity = sp.validateSync(entraDefault.response, options)
  const store = new MemoryStore([{ id: 'ws', name: 'W' }])
  const t = '2026-01-01T00:00:00Z'
  store.users.push({ id: 'u1', workspaceId: 'ws', userName: 'JDoe@contoso.com', role: 'Project Manager', state: 'active', version: 1, created: t, lastModified: t, resource: { userName: 'JDoe@contoso.com' } })
  const handler = new Handler(store)
  const allowed = await handler.decide('ws', sp, identity)
  assert.equal(allowed.decision, 'allowed')
  assert.equal(allowed.user.id, 'u1')
  assert.equal(allowed.user.userName, 'JDoe@contoso.com')
  const replay = await handler.decide('ws', sp, identity)
  assert.deepEqual([replay.decision, replay.code], ['refused', 'replayed'])
  assert.ok(replay.message.length > 0)
  assert.deepEqual([...store.assertions.keys()], [`ws ${identity.issuer} ${identity.assertionId}`])
  const other = await handler.decide('ws-b', sp, { ...identity, assertionId: '_other' })
  assert.deepEqual([other.decision, other.code], ['refused', 'unknown_user'])
  await assert.rejects(handler.decide('ws', sp, { nameId: 'x' }), (e) => e.code === 'invalid_argument')
  await assert.rejects(handler.decide(1, sp, identity), (e) => e.code === 'invalid_argument')
  assert.throws(() => handler.decide('ws', {}, identity))
})

test('a store failure during sign-in rejects with store_failed and the cause', async () => {
  const sp = new ServiceProvider(accept.settings)
  const store = new MemoryStore()
  const err = new Error('redis down')
  store.rememberAssertion = async () => { throw err }
  const handler = new Handler(store)
  await assert.rejects(handler.signIn('ws', sp, entraDefault.response, options), (e) => e.code === 'store_failed' && e.cause === err)
  await assert.rejects(handler.signIn('ws', sp, 'junk', options), (e) => e.code === 'malformed_response' || e.code === 'saml_encoding' || e.code === 'xml_malformed')
})

test('IdP metadata import, SP metadata, AuthnRequest and certificate expiry', async () => {
  const imported = await sso.importMetadata(entraMetadata, 'https://app.example.test/sp', 'https://app.example.test/saml/acs')
  assert.match(imported.metadata.entityId, /^https:\/\/sts\.windows\.net\//)
  assert.equal(imported.settings.idpEntityId, imported.metadata.entityId)
  assert.ok(imported.metadata.signingCertificates[0].sha256Fingerprint)
  assert.ok(imported.settings.idpSsoUrl.startsWith('https://'))
  const sp = new ServiceProvider(imported.settings)
  const request = await sp.authnRequest('/after-login', '2026-03-04T12:00:00Z')
  assert.match(request.id, /^_[0-9a-f]{32}$/)
  assert.equal(request.issueInstant, '2026-03-04T12:00:00Z')
  assert.equal(request.relayState, '/after-login')
  assert.ok(request.redirectUrl.startsWith(imported.settings.idpSsoUrl))
  assert.match(request.postFormHtml, /<form/)
  const now = new Date()
  const req2 = await sp.authnRequest()
  assert.ok(Math.abs(Date.parse(req2.issueInstant) - now.getTime()) < 60_000, 'now defaults to the current time')
  const xml = await sp.metadata()
  assert.match(xml, /AssertionConsumerService/)
  assert.equal(await sso.spMetadata(imported.settings), xml)
  const certs = imported.metadata.signingCertificates
  const far = await sp.certificatesExpiringWithin(365 * 200, now)
  assert.equal(far.length, certs.length)
  assert.deepEqual(await sp.certificatesExpiringWithin(0, '2000-01-01T00:00:00Z'), [])
  await assert.rejects(sp.certificatesExpiringWithin(-1), (e) => e.code === 'invalid_argument')
  await assert.rejects(sso.importMetadata('<nope/>', 'a', 'https://a/acs'), (e) => e.code === 'invalid_metadata')
  await assert.rejects(sso.importMetadata(null, 'a', 'https://a/acs'), (e) => e.code === 'invalid_argument')
  const noSso = new ServiceProvider({ ...imported.settings, idpSsoUrl: null })
  await assert.rejects(noSso.authnRequest(), (e) => e.code === 'invalid_settings')
})

test('token and key helpers', () => {
  const { token, hash } = sso.generateToken()
  assert.ok(sso.isWellFormedToken(token))
  assert.equal(sso.hashToken(token), hash)
  assert.match(hash, /^[0-9a-f]{64}$/)
  assert.notEqual(sso.generateToken().token, token)
  assert.equal(sso.isWellFormedToken('nope'), false)
  assert.equal(sso.userNameKey('JDoe@Contoso.COM'), 'jdoe@contoso.com')
  assert.equal(sso.displayNameKey('Sales Ä'), 'sales ä')
  assert.match(sso.version(), /^\d+\.\d+\.\d+/)
})

test('selectUsers pages a plain array; a wrong record is invalid_argument', () => {
  const t = '2026-01-01T00:00:00Z'
  const user = (id, userName, state = 'active') => ({ id, workspaceId: 'ws', userName, role: 'r', state, version: 1, created: t, lastModified: t, resource: { userName } })
  const users = [user('1', 'b'), user('2', 'a'), user('3', 'c', 'deprovisioned')]
  const page = sso.selectUsers({ filter: null, sort: { attribute: 'userName', descending: false }, startIndex: 1, count: 10 }, users)
  assert.equal(page.totalResults, 2)
  assert.deepEqual(page.users.map((u) => u.id), ['2', '1'])
  assert.throws(() => sso.selectUsers({ count: 1 }, [{ id: 'x' }]), (e) => e.code === 'invalid_argument')
  assert.throws(() => sso.selectUsers({ count: 1 }, 'x'), (e) => e.code === 'invalid_argument')
})

test('the committed index.d.ts lists exactly the core error codes', () => {
  const dts = fs.readFileSync(path.join(__dirname, '..', 'index.d.ts'), 'utf8')
  const union = dts.slice(dts.indexOf('export type ErrorCode ='), dts.indexOf('\n\n', dts.indexOf('export type ErrorCode =')))
  const listed = [...union.matchAll(/'([a-z_]+)'/g)].map((m) => m[1])
  assert.deepEqual(listed, sso.errorCodes())
  assert.ok(sso.errorCodes().length >= 50)
})
