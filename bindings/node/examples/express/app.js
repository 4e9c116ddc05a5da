'use strict'
// An Express app wiring sso-scim the way a product backend does: the SCIM route forwards raw
// requests to the Handler, the SAML routes send the browser to the IdP and consume its answer
// at the ACS. The store is the in-memory one the tests use; a real host passes its own
// Directory (a database) with the same methods.

const express = require('express')
const { Handler, ServiceProvider } = require('../..')

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
  // AuthnRequest ids this SP sent and has not seen answered (a real host keeps them in its
  // session store, with an expiry).
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

  // SP-initiated sign-in: redirect to the IdP, remember the request id.
  app.get('/saml/login', async (req, res, next) => {
    try {
      const request = await sp.authnRequest(typeof req.query.next === 'string' ? req.query.next : null, now())
      pending.set(request.id, request.relayState)
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
      const hint = await sp.inResponseToHint(samlResponse)
      const requestId = hint !== null && pending.has(hint) ? hint : null
      const decision = await scim.signIn(workspaceId, sp, samlResponse, { requestId, now: now() })
      if (requestId !== null) pending.delete(requestId)
      if (decision.decision !== 'allowed') return res.status(403).json({ error: decision.code, message: decision.message })
      const session = require('node:crypto').randomBytes(16).toString('hex')
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
