'use strict'
// An Express app wiring sso-scim the way a product backend does: the SCIM route forwards raw
// requests to the Handler, the SAML routes send the browser to the IdP and consume its answer
// at the ACS. The store is the in-memory one the tests use; a real host passes its own
// Directory (a database) with the same methods.

const { randomBytes } = require('node:crypto')
const express = require('express')
const { Handler, ServiceProvider } = require('../..')

// The cookie naming a browser's sign-in attempts. The IdP answers with a cross-site POST, so
// the cookie must be SameSite=None (and therefore Secure) to come back with it.
const LOGIN_COOKIE = 'saml_login'
// How long an AuthnRequest may stay unanswered.
const REQUEST_TTL_MS = 10 * 60 * 1000

/** The value of cookie `name` in the request, or null. */
function cookie(req, name) {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return null
}

/**
 * @param {object} options
 * @param {import('../..').Directory} options.store  the host's store
 * @param {import('../..').SamlSettings} options.saml  this workspace's SAML settings
 * @param {string} options.workspaceId  the workspace signing in at this ACS
 * @param {string} options.scimBaseUrl  the SCIM base as clients see it
 * @param {() => Date} [options.now]  the clock (tests pin it)
 */
function createApp({ store, saml, workspaceId, scimBaseUrl, now = () => new Date() }) {
  const scim = new Handler(store, { baseUrl: scimBaseUrl })
  const sp = new ServiceProvider(saml)
  // The AuthnRequests each browser has pending: its login cookie → (request id → issued at, ms).
  // A real host keeps them in its session store.
  const pending = new Map()
  const sessions = new Map()
  const app = express()

  // SCIM: raw bytes in (never parsed JSON: the core checks duplicate keys and limits itself).
  app.use('/scim/v2', express.raw({ type: () => true, limit: '2mb' }), async (req, res, next) => {
    try {
      const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : ''
      const response = await scim.handle({
        method: req.method,
        path: req.path,
        query,
        headers: req.headers,
        body: Buffer.isBuffer(req.body) ? req.body : undefined,
      })
      // A Buffer, so Express keeps the Content-Type exactly as the core set it.
      res.status(response.status).set(response.headers).send(Buffer.from(response.body))
    } catch (err) {
      // store_failed / store_contract_violated: the host's own error is err.cause.
      next(err)
    }
  })

  // SP-initiated sign-in: redirect to the IdP, remember the request id in this browser's session.
  app.get('/saml/login', async (req, res, next) => {
    try {
      const request = await sp.authnRequest(typeof req.query.next === 'string' ? req.query.next : null, now())
      const browser = cookie(req, LOGIN_COOKIE) ?? randomBytes(16).toString('hex')
      const requests = pending.get(browser) ?? new Map()
      requests.set(request.id, now().getTime())
      pending.set(browser, requests)
      res.cookie(LOGIN_COOKIE, browser, { httpOnly: true, secure: true, sameSite: 'none', path: '/saml', maxAge: REQUEST_TTL_MS })
      res.redirect(302, request.redirectUrl)
    } catch (err) {
      next(err)
    }
  })

  app.get('/saml/metadata', async (req, res, next) => {
    try {
      res.type('application/samlmetadata+xml').send(await sp.metadata())
    } catch (err) {
      next(err)
    }
  })

  // The ACS: the IdP posts SAMLResponse (base64) and RelayState.
  app.post('/saml/acs', express.urlencoded({ extended: false, limit: '512kb' }), async (req, res, next) => {
    const samlResponse = req.body?.SAMLResponse
    if (typeof samlResponse !== 'string') return res.status(400).json({ error: 'SAMLResponse missing' })
    try {
      // Only this browser's unexpired requests can be answered; the one the response claims is
      // checked against the signed content, in the same parse that validates it.
      const browser = cookie(req, LOGIN_COOKIE)
      const requests = (browser !== null && pending.get(browser)) || new Map()
      const at = now()
      for (const [id, issued] of requests) if (at.getTime() - issued > REQUEST_TTL_MS) requests.delete(id)
      const identity = await sp.validate(samlResponse, { requestId: [...requests.keys()], now: at })
      // A request is answered once (an IdP-initiated sign-in answers none).
      if (identity.inResponseTo !== undefined) requests.delete(identity.inResponseTo)
      const decision = await scim.decide(workspaceId, sp, identity)
      if (decision.decision !== 'allowed') return res.status(403).json({ error: decision.code, message: decision.message })
      const session = randomBytes(16).toString('hex')
      sessions.set(session, decision.user.id)
      res.cookie('session', session, { httpOnly: true, secure: true, sameSite: 'lax' })
      res.json({ signedIn: decision.user.userName, relayState: req.body.RelayState ?? null })
    } catch (err) {
      if (typeof err.code === 'string' && err.code !== 'store_failed' && err.code !== 'store_contract_violated') {
        // A refused SAMLResponse: say why (the codes are stable), never who.
        return res.status(403).json({ error: err.code })
      }
      next(err)
    }
  })

  app.use((err, req, res, _next) => {
    console.error('request failed:', err.code, err.message, err.cause)
    res.status(500).json({ error: 'internal error' })
  })

  return { app, pending, sessions }
}

module.exports = { createApp }

if (require.main === module) {
  // `node examples/express/app.js`: SCIM with a printed token, SAML with the test IdP of the
  // vectors (core/tests/data/saml, throwaway keys). Loopback only.
  const fs = require('node:fs')
  const path = require('node:path')
  const { MemoryStore } = require('../../test/memory-store')
  const { generateToken } = require('../..')
  const { token } = generateToken()
  const store = new MemoryStore([{ id: 'ws-1', name: 'Example', tokens: [token] }])
  const cert = fs.readFileSync(path.join(__dirname, '../../../../core/tests/data/saml/idp-cert.pem'), 'utf8')
  const port = Number(process.env.PORT ?? 3000)
  const { app } = createApp({
    store,
    workspaceId: 'ws-1',
    scimBaseUrl: `http://127.0.0.1:${port}/scim/v2`,
    saml: {
      spEntityId: `http://127.0.0.1:${port}/saml/metadata`,
      acsUrl: `http://127.0.0.1:${port}/saml/acs`,
      idpEntityId: 'https://idp.example.test/',
      idpCertificates: [cert],
      idpSsoUrl: 'https://idp.example.test/sso',
    },
  })
  app.listen(port, '127.0.0.1', () => console.log(`SCIM at http://127.0.0.1:${port}/scim/v2, bearer token ${token}`))
}
