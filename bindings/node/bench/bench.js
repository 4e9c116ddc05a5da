'use strict'
// Benchmarks (a script, never a test): `make bench-node` builds the addon in release mode and
// runs this. Figures are medians of batch means, reported in bindings/node/README.md.
//
// 1. SAML: Entra's default response shape (unsigned Response, signed Assertion, RSA-2048,
//    base64 form value) from tests/vectors/saml/accept.json, validated by the addon and by
//    @node-saml/node-saml in this same process, same bytes, same certificate.
// 2. SCIM: the per-request cost of the addon's path (request conversion, the core driven on
//    the JS thread, both store calls made directly, response object) with a store whose
//    methods answer at once (plain values, or resolved Promises): GET /Users/{id} (two store
//    calls), sequential latency and concurrent throughput.
//
// The machine load is printed before and after: figures from a loaded machine are inflated.

const fs = require('node:fs')
const path = require('node:path')
const os = require('node:os')
const { SAML, ValidateInResponseTo } = require('@node-saml/node-saml')
const { Handler, ServiceProvider, generateToken } = require('..')

const REPO = path.resolve(__dirname, '../../..')
const accept = JSON.parse(fs.readFileSync(path.join(REPO, 'tests/vectors/saml/accept.json'), 'utf8'))
const entra = accept.cases.find((c) => c.name.startsWith('Entra default'))
const certPem = fs.readFileSync(path.join(REPO, 'core/tests/data/saml/idp-cert.pem'), 'utf8')

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

/** Median over `batches` of the mean µs per call of `batch` sequential awaited calls. */
async function timeIt(fn, { batch, batches, warmup = batch }) {
  for (let i = 0; i < warmup; i++) await fn()
  const means = []
  for (let b = 0; b < batches; b++) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < batch; i++) await fn()
    means.push(Number(process.hrtime.bigint() - t0) / 1e3 / batch)
  }
  return median(means)
}

const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ')

const fmt = (us) => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(1)} µs`)

async function samlBench() {
  const sp = new ServiceProvider(accept.settings)
  const options = { now: accept.now, requestId: accept.request_id }
  const ours = sp.validateSync(entra.response, options)
  if (ours.nameId !== 'jdoe@contoso.com') throw new Error('the addon did not accept the response')

  // The same checks, as far as node-saml has them: signed assertion with the IdP certificate,
  // audience, issuer; its clock checks are switched off (the response is pinned to 2026-03-04)
  // and InResponseTo is not tracked (node-saml keeps it in its own cache).
  const peer = new SAML({
    callbackUrl: accept.settings.acs_url,
    entryPoint: 'https://login.microsoftonline.com/x/saml2',
    issuer: accept.settings.sp_entity_id,
    audience: accept.settings.sp_entity_id,
    idpIssuer: accept.settings.idp_entity_id,
    idpCert: certPem,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: false,
    acceptedClockSkewMs: -1,
    validateInResponseTo: ValidateInResponseTo.never,
  })
  const peerResult = await peer.validatePostResponseAsync({ SAMLResponse: entra.response })
  if (peerResult.profile?.nameID !== 'jdoe@contoso.com') throw new Error('node-saml did not accept the response')

  const xmlBytes = Buffer.from(entra.response, 'base64').length
  // Interleaved rounds: each round times a batch of every contender back to back, so a change
  // in machine load hits all of them alike; the ratio is the median of the per-round ratios.
  const batchMean = async (fn, n) => {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < n; i++) await fn()
    return Number(process.hrtime.bigint() - t0) / 1e3 / n
  }
  const ourSync = async () => sp.validateSync(entra.response, options)
  const ourAsync = () => sp.validate(entra.response, options)
  const theirs = () => peer.validatePostResponseAsync({ SAMLResponse: entra.response })
  for (let i = 0; i < 20; i++) {
    await ourSync()
    await ourAsync()
    await theirs()
  }
  const rounds = { sync: [], async_: [], nodeSaml: [], ratioSync: [], ratioAsync: [] }
  for (let r = 0; r < 31; r++) {
    const a = await batchMean(ourSync, 100)
    const b = await batchMean(ourAsync, 100)
    const c = await batchMean(theirs, 5)
    rounds.sync.push(a)
    rounds.async_.push(b)
    rounds.nodeSaml.push(c)
    rounds.ratioSync.push(c / a)
    rounds.ratioAsync.push(c / b)
  }
  const sync = median(rounds.sync)
  const async_ = median(rounds.async_)
  const nodeSaml = median(rounds.nodeSaml)
  const ratioSync = median(rounds.ratioSync)
  const ratioAsync = median(rounds.ratioAsync)
  return { xmlBytes, sync, async_, nodeSaml, ratioSync, ratioAsync }
}

function immediateStore(token) {
  const t = '2026-01-01T00:00:00Z'
  const workspace = { id: 'ws', name: 'Bench' }
  const user = {
    id: 'u1', workspaceId: 'ws', userName: 'jdoe@contoso.com', externalId: null, givenName: 'John', familyName: 'Doe',
    email: 'jdoe@contoso.com', role: 'Project Manager', state: 'active', version: 3, created: t, lastModified: t,
    resource: {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'jdoe@contoso.com',
      name: { givenName: 'John', familyName: 'Doe' }, emails: [{ value: 'jdoe@contoso.com', type: 'work', primary: true }],
    },
  }
  const hash = require('..').hashToken(token)
  const methods = {
    workspaceForToken: (h) => (h === hash ? { workspace, tokenHash: h } : null),
    getUser: (ws, id) => (id === user.id ? user : null),
    findByUserName: (ws, key) => (key === 'jdoe@contoso.com' ? user : null),
    queryUsers: () => ({ totalResults: 0, users: [] }),
    insertUser: () => null,
    updateUser: () => null,
    rememberAssertion: () => true,
  }
  const asyncStore = {}
  for (const [name, fn] of Object.entries(methods)) asyncStore[name] = async (...args) => fn(...args)
  return { syncStore: methods, asyncStore }
}

async function scimBench() {
  const { token } = generateToken()
  const { syncStore, asyncStore } = immediateStore(token)
  const request = { method: 'GET', path: '/Users/u1', headers: { authorization: `Bearer ${token}` } }
  const out = {}
  for (const [name, store] of [['async', asyncStore], ['sync', syncStore]]) {
    const handler = new Handler(store, { baseUrl: 'https://app.example.com/scim/v2' })
    const first = await handler.handle(request)
    if (first.status !== 200) throw new Error(`GET /Users/u1 answered ${first.status}`)
    const sequential = await timeIt(() => handler.handle(request), { batch: 500, batches: 21 })
    const runs = []
    for (let r = 0; r < 5; r++) {
      const n = 20000
      const t0 = process.hrtime.bigint()
      const responses = await Promise.all(Array.from({ length: n }, () => handler.handle(request)))
      const secs = Number(process.hrtime.bigint() - t0) / 1e9
      if (responses.some((x) => x.status !== 200)) throw new Error('a concurrent request failed')
      runs.push(n / secs)
    }
    out[name] = { sequential, concurrent: median(runs) }
  }
  return out
}

/**
 * Sign-in with the same response and a store answering at once: `signIn` (validation on the
 * thread pool, the decision driven on the JS thread) against the whole of it on the JS thread
 * (`validateSync`, then `decide`), interleaved round by round.
 */
async function loginBench() {
  const { syncStore } = immediateStore(generateToken().token)
  const handler = new Handler(syncStore)
  const sp = new ServiceProvider(accept.settings)
  const options = { now: accept.now, requestId: accept.request_id }
  const offThread = () => handler.signIn('ws', sp, entra.response, options)
  const onThread = () => handler.decide('ws', sp, sp.validateSync(entra.response, options))
  for (const f of [offThread, onThread]) {
    const d = await f()
    if (d.decision !== 'allowed') throw new Error(`the sign-in was ${d.decision}: ${d.code}`)
  }
  const rounds = { offThread: [], onThread: [] }
  for (let r = 0; r < 21; r++) {
    for (const [name, f] of [['offThread', offThread], ['onThread', onThread]]) {
      const t0 = process.hrtime.bigint()
      for (let i = 0; i < 100; i++) await f()
      rounds[name].push(Number(process.hrtime.bigint() - t0) / 1e3 / 100)
    }
  }
  return { offThread: median(rounds.offThread), onThread: median(rounds.onThread) }
}

;(async () => {
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0].model}, load ${load()}, node ${process.version}`)
  const s = await samlBench()
  console.log(`\nSAML, Entra default response (${s.xmlBytes} bytes XML), median per validation:`)
  console.log(`  sso-scim validateSync      ${fmt(s.sync)}`)
  console.log(`  sso-scim validate (Promise) ${fmt(s.async_)}  (+${fmt(s.async_ - s.sync)}: two thread hops)`)
  console.log(`  @node-saml/node-saml       ${fmt(s.nodeSaml)}`)
  console.log(`  ratio node-saml / validateSync: ${s.ratioSync.toFixed(0)}×, / validate: ${s.ratioAsync.toFixed(0)}× (median of per-round ratios)`)
  const l = await loginBench()
  console.log('\nSign-in, same response, store answering at once, median per sign-in:')
  console.log(`  signIn (validation on the thread pool, decision on the JS thread)  ${fmt(l.offThread)}`)
  console.log(`  decide(validateSync(…)) (all of it on the JS thread)               ${fmt(l.onThread)}`)
  const c = await scimBench()
  console.log('\nSCIM GET /Users/{id} through the addon (2 store calls), store answering at once:')
  for (const [name, r] of Object.entries(c)) {
    console.log(`  ${name} store: ${fmt(r.sequential)} sequential (median), ${Math.round(r.concurrent).toLocaleString('en')} req/s with 20,000 in flight (median of 5)`)
  }
  console.log(`\nload at the end: ${load()}`)
})().catch((e) => {
  console.error(e)
  process.exit(1)
})
