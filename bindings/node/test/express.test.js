'use strict'
// The Express example over real HTTP on loopback: SCIM provisioning, then a SAML sign-in of the
// provisioned user at the ACS, and the refusals.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { generateToken } = require('..')
const { createApp } = require('../examples/express/app')
const { MemoryStore } = require('./memory-store')
const { REPO } = require('./vectors')

// The login vectors: responses for jdoe@contoso.com with distinct assertion ids.
const accept = JSON.parse(fs.readFileSync(path.join(REPO, 'tests/vectors/saml/login.json'), 'utf8'))
const byName = (name) => accept.cases.find((c) => c.name === name).response
const entraDefault = byName('an active user signs in')
const sameUserAgain = byName('the NameID matches the userName case-insensitively')

test('the Express example provisions over SCIM and signs the user in at the ACS', async (t) => {
  const { token } = generateToken()
  const store = new MemoryStore([{ id: 'ws-1', name: 'Example', tokens: [token] }])
  const { app, pending } = createApp({
    store,
    workspaceId: 'ws-1',
    scimBaseUrl: 'https://app.example.test/scim/v2',
    saml: { ...accept.settings, idp_sso_url: 'https://idp.example.test/sso' },
    now: () => new Date(accept.now),
  })
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  t.after(() => new Promise((resolve) => server.close(resolve)))
  const base = `http://127.0.0.1:${server.address().port}`
  const auth = { authorization: `Bearer ${token}` }

  // SCIM: Entra's create, then its filter GET, then a PATCH disable/enable round trip.
  const created = await fetch(`${base}/scim/v2/Users`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/scim+json' },
    body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'jdoe@contoso.com', active: true, name: { givenName: 'John', familyName: 'Doe' } }),
  })
  assert.equal(created.status, 201)
  assert.equal(created.headers.get('content-type'), 'application/scim+json')
  const user = await created.json()
  assert.equal(created.headers.get('location'), `https://app.example.test/scim/v2/Users/${user.id}`)
  const found = await fetch(`${base}/scim/v2/Users?filter=${encodeURIComponent('userName eq "JDOE@contoso.com"')}`, { headers: auth })
  assert.equal(found.status, 200)
  assert.equal((await found.json()).Resources[0].id, user.id)
  const noToken = await fetch(`${base}/scim/v2/Users`)
  assert.equal(noToken.status, 401)
  const dup = await fetch(`${base}/scim/v2/Users`, { method: 'POST', headers: auth, body: JSON.stringify({ userName: 'JDoe@contoso.com' }) })
  assert.equal(dup.status, 409)
  assert.equal((await dup.json()).scimType, 'uniqueness')

  // SAML: /saml/login redirects to the IdP with an AuthnRequest, kept in this browser's session.
  const login = await fetch(`${base}/saml/login?next=/projects`, { redirect: 'manual' })
  assert.equal(login.status, 302)
  assert.match(login.headers.get('location'), /^https:\/\/idp\.example\.test\/sso\?SAMLRequest=/)
  const loginCookie = login.headers.get('set-cookie')
  assert.match(loginCookie, /^saml_login=[0-9a-f]{32}; Max-Age=600; Path=\/saml; Expires=[^;]+; HttpOnly; Secure; SameSite=None$/)
  const browser = loginCookie.slice('saml_login='.length, loginCookie.indexOf(';'))
  const requests = pending.get(browser)
  assert.equal(requests.size, 1)

  // The IdP answers the request the vector response was issued for, one of two this browser has pending.
  const issued = Date.parse(accept.now)
  requests.set(accept.request_id, issued)
  const acs = (body, cookie = `saml_login=${browser}`) => fetch(`${base}/saml/acs`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie }, body: new URLSearchParams(body) })
  // Another browser cannot answer it.
  const elsewhere = await acs({ SAMLResponse: entraDefault }, 'saml_login=another-browser')
  assert.equal(elsewhere.status, 403)
  assert.equal((await elsewhere.json()).error, 'in_response_to_mismatch')
  // Nor an expired request (which is dropped).
  requests.set(accept.request_id, issued - 10 * 60 * 1000 - 1)
  const late = await acs({ SAMLResponse: entraDefault })
  assert.equal((await late.json()).error, 'in_response_to_mismatch')
  assert.equal(requests.has(accept.request_id), false)
  requests.set(accept.request_id, issued)
  const signedIn = await acs({ SAMLResponse: entraDefault, RelayState: '/projects' })
  assert.equal(signedIn.status, 200, await signedIn.clone().text())
  assert.deepEqual(await signedIn.json(), { signedIn: 'jdoe@contoso.com', relayState: '/projects' })
  assert.match(signedIn.headers.get('set-cookie'), /^session=[0-9a-f]{32}; Path=\/; HttpOnly; Secure; SameSite=Lax$/)
  assert.equal(requests.has(accept.request_id), false, 'the request id is used once')
  assert.equal(requests.size, 1, 'the other pending request stays')

  // The same response again: a replay (and no longer a pending request).
  requests.set(accept.request_id, issued)
  const replay = await acs({ SAMLResponse: entraDefault })
  assert.equal(replay.status, 403)
  assert.equal((await replay.json()).error, 'replayed')
  // Without a pending request the same bytes are an unsolicited response, refused as such.
  const unsolicited = await acs({ SAMLResponse: entraDefault })
  assert.equal(unsolicited.status, 403)
  assert.equal((await unsolicited.json()).error, 'in_response_to_mismatch')

  // A tampered response is refused with its code.
  const original = Buffer.from(entraDefault, 'base64').toString('utf8')
  const tampered = original.replace('>jdoe@contoso.com<', '>admin@contoso.com<')
  assert.notEqual(tampered, original)
  const forged = Buffer.from(tampered).toString('base64')
  requests.set(accept.request_id, issued)
  const refused = await acs({ SAMLResponse: forged })
  assert.equal(refused.status, 403)
  assert.equal((await refused.json()).error, 'signature_invalid')

  // Disabling the user over SCIM stops the next sign-in (a fresh assertion of the same user).
  const disable = await fetch(`${base}/scim/v2/Users/${user.id}`, {
    method: 'PATCH',
    headers: { ...auth, 'content-type': 'application/scim+json' },
    body: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] }),
  })
  assert.equal(disable.status, 200)
  assert.equal((await disable.json()).active, false)
  requests.set(accept.request_id, issued)
  const archived = await acs({ SAMLResponse: sameUserAgain })
  assert.equal(archived.status, 403)
  assert.equal((await archived.json()).error, 'user_archived')
  const metadata = await fetch(`${base}/saml/metadata`)
  assert.match(await metadata.text(), /AssertionConsumerService/)
})
