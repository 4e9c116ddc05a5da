'use strict'
// The SCIM and SAML vector runners (format: tests/vectors/README.md), the reference semantics
// being core/tests/vector_runner/mod.rs and core/tests/saml/vectors/runner.rs.

const fs = require('node:fs')
const path = require('node:path')
const assert = require('node:assert/strict')
const { Handler, ServiceProvider } = require('..')
const { METHODS } = require('./memory-store')

const REPO = path.resolve(__dirname, '../../..')
const VECTORS = path.join(REPO, 'tests/vectors')
const DEFAULT_BASE_URL = 'https://example.test/scim/v2'

function vectorFiles(kind) {
  const dir = path.join(VECTORS, kind)
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
  assert.ok(files.length > 0, `no vectors in ${dir}`)
  return files.map((f) => path.join(dir, f))
}

function substitute(text, vars) {
  return text.replace(/\$\{([^}]*)\}/g, (_, name) => {
    if (!(name in vars)) throw new Error(`undefined variable \${${name}}`)
    return vars[name]
  })
}

function substituteValue(value, vars) {
  if (typeof value === 'string') return substitute(value, vars)
  if (Array.isArray(value)) return value.map((v) => substituteValue(v, vars))
  if (value && typeof value === 'object') {
    const out = {}
    for (const [k, v] of Object.entries(value)) out[substitute(k, vars)] = substituteValue(v, vars)
    return out
  }
  return value
}

function pointer(doc, ptr) {
  if (ptr === '') return { found: true, value: doc }
  let at = doc
  for (const raw of ptr.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (Array.isArray(at)) {
      if (!/^(0|[1-9][0-9]*)$/.test(key) || Number(key) >= at.length) return { found: false }
      at = at[Number(key)]
    } else if (at !== null && typeof at === 'object' && Object.prototype.hasOwnProperty.call(at, key)) {
      at = at[key]
    } else {
      return { found: false }
    }
  }
  return { found: true, value: at }
}

function typeName(v) {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number'
  return typeof v
}

function header(headers, name) {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase())
  return key === undefined ? undefined : headers[key]
}

function buildRequest(step, tokens, vars) {
  const r = step.request
  const headers = []
  if (r.auth !== undefined) {
    const token = tokens[r.auth]
    if (token === undefined) throw new Error(`no token for workspace ${r.auth}`)
    headers.push(['Authorization', `Bearer ${token}`])
  }
  for (const [name, value] of Object.entries(r.headers ?? {})) headers.push([name, substitute(value, vars)])
  let body
  if ('body' in r) body = JSON.stringify(substituteValue(r.body, vars))
  else if ('body_text' in r) body = substitute(r.body_text, vars)
  else if ('body_base64' in r) body = Buffer.from(r.body_base64, 'base64')
  if (body !== undefined && !headers.some(([n]) => n.toLowerCase() === 'content-type')) {
    headers.push(['Content-Type', 'application/scim+json'])
  }
  return { method: r.method, path: substitute(r.path, vars), query: substitute(r.query ?? '', vars), headers, body }
}

function parseJson(text) {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function check(expect, resp, vars) {
  const problems = []
  const body = resp.body === '' ? undefined : parseJson(resp.body)
  if (expect.status !== undefined && resp.status !== expect.status) problems.push(`status ${resp.status} != expected ${expect.status}`)
  const code = resp.errorCode
  if (expect.error_code !== undefined) {
    if (code !== expect.error_code) problems.push(`error_code ${code} != expected ${expect.error_code}`)
  } else if (code !== undefined && resp.status < 400) {
    problems.push(`unexpected error_code ${code}`)
  }
  for (const [name, want] of Object.entries(expect.headers ?? {})) {
    const have = header(resp.headers, name)
    const wanted = substitute(want, vars)
    if (have !== wanted) problems.push(`header ${name}: ${have} != expected ${wanted}`)
  }
  for (const name of expect.headers_absent ?? []) {
    const have = header(resp.headers, name)
    if (have !== undefined) problems.push(`header ${name} should be absent, is ${have}`)
  }
  if (expect.body_empty !== undefined && expect.body_empty !== (resp.body === '')) {
    problems.push(`body_empty ${resp.body === ''} != expected ${expect.body_empty}`)
  }
  for (const fact of expect.body ?? []) {
    const at = body === undefined ? { found: false } : pointer(body, fact.path)
    const fail = (what) => problems.push(`${fact.path}: ${what}`)
    if ('equals' in fact) {
      const want = substituteValue(fact.equals, vars)
      if (!at.found || !deepEqual(at.value, want)) fail(`${at.found ? JSON.stringify(at.value) : '(absent)'} != expected ${JSON.stringify(want)}`)
    }
    if ('not_equals' in fact) {
      const want = substituteValue(fact.not_equals, vars)
      if (at.found && deepEqual(at.value, want)) fail(`should not equal ${JSON.stringify(want)}`)
    }
    if (fact.absent === true && at.found) fail(`should be absent, is ${JSON.stringify(at.value)}`)
    if (fact.present === true && !at.found) fail('should be present')
    if (fact.length !== undefined) {
      const v = at.value
      const len = Array.isArray(v) ? v.length : v && typeof v === 'object' ? Object.keys(v).length : undefined
      if (!at.found || len !== fact.length) fail(`length ${len} != expected ${fact.length}`)
    }
    if (fact.type !== undefined) {
      const t = at.found ? typeName(at.value) : undefined
      if (t !== fact.type) fail(`type ${t} != expected ${fact.type}`)
    }
    if (fact.contains !== undefined) {
      const text = substitute(fact.contains, vars)
      if (!at.found || typeof at.value !== 'string' || !at.value.includes(text)) fail(`${JSON.stringify(at.value)} does not contain ${JSON.stringify(text)}`)
    }
  }
  return problems
}

function deepEqual(a, b) {
  try {
    assert.deepStrictEqual(a, b)
    return true
  } catch {
    return false
  }
}

/** What `Promise.race` settles with when the other Promise is still pending. */
const PENDING = Symbol('pending')

/**
 * Wrap `store` so that every method call records whether it happened inside `within()`:
 * `calls` counts them, `outside` lists the methods called when no `within` was running.
 */
function recordingStore(store, methods) {
  const record = { calls: 0, outside: [], inside: false }
  const wrapped = {}
  for (const name of methods) {
    if (typeof store[name] !== 'function') continue
    wrapped[name] = (...args) => {
      record.calls += 1
      if (!record.inside) record.outside.push(name)
      return store[name](...args)
    }
  }
  record.within = (fn) => {
    record.inside = true
    try {
      return fn()
    } finally {
      record.inside = false
    }
  }
  return { wrapped, record }
}

/**
 * Run one SCIM vector file on a fresh store made by `makeStore(workspaces)`; returns
 * {steps, total, failures, storeCalls}. With `synchronous`, the store's methods answer
 * plainly and every step must be finished when `handle` returns: each store call made within
 * the call, the Promise already settled.
 */
async function runScimVector(file, makeStore, { synchronous = false } = {}) {
  const v = JSON.parse(fs.readFileSync(file, 'utf8'))
  const config = { ...(v.config ?? {}) }
  if (config.base_url === undefined) config.base_url = DEFAULT_BASE_URL
  const tokens = {}
  const workspaces = []
  for (const ws of v.workspaces ?? []) {
    if (ws.tokens?.length) tokens[ws.id] = ws.tokens[0]
    workspaces.push({ id: ws.id, name: ws.name, defaultRole: ws.default_role ?? 'Project Manager', tokens: ws.tokens ?? [] })
  }
  let store = makeStore(workspaces)
  let record
  if (synchronous) ({ wrapped: store, record } = recordingStore(store, METHODS))
  const handler = new Handler(store, config)
  const vars = {}
  const failures = []
  let steps = 0
  for (const [i, step] of v.steps.entries()) {
    const name = `${path.basename(file)} step ${i} (${step.name ?? ''})`
    let request
    try {
      request = buildRequest(step, tokens, vars)
    } catch (e) {
      failures.push(`${name}: ${e.message}`)
      break
    }
    let resp
    if (synchronous) {
      const pending = record.within(() => handler.handle(request))
      resp = await Promise.race([pending, PENDING])
      if (resp === PENDING) {
        failures.push(`${name}: the Promise was still pending when handle returned`)
        resp = await pending
      }
      if (record.outside.length) failures.push(`${name}: store calls after handle returned: ${record.outside.splice(0).join(', ')}`)
    } else {
      resp = await handler.handle(request)
    }
    steps += 1
    const problems = check(step.expect ?? {}, resp, vars)
    if (problems.length) failures.push(`${name}:\n    ${problems.join('\n    ')}\n    response ${resp.status} ${resp.body}`)
    for (const [variable, ptr] of Object.entries(step.save ?? {})) {
      const body = parseJson(resp.body)
      const at = body === undefined ? { found: false } : pointer(body, ptr)
      if (!at.found) failures.push(`${name}: cannot save ${variable}: nothing at ${ptr}`)
      else vars[variable] = typeof at.value === 'string' ? at.value : JSON.stringify(at.value)
    }
  }
  return { steps, total: v.steps.length, failures, storeCalls: record?.calls ?? 0 }
}

// ---- SAML ----

function repoPath(p) {
  return path.resolve(REPO, p)
}

function mergedSettings(file, c) {
  const settings = structuredClone(file.settings)
  for (const from of file.idp_certificates_from ?? []) {
    const xml = fs.readFileSync(repoPath(from), 'utf8')
    const start = xml.indexOf('<X509Certificate>') + '<X509Certificate>'.length
    settings.idp_certificates.push(xml.slice(start, xml.indexOf('<', start)))
  }
  Object.assign(settings, c.settings ?? {})
  return settings
}

function caseInput(c) {
  if (typeof c.response === 'string') return c.response
  if (typeof c.response_file === 'string') return fs.readFileSync(repoPath(c.response_file))
  throw new Error('a case needs response or response_file')
}

function caseOptions(file, c) {
  const now = c.now ?? file.now
  // pending_request_ids: the list form (an array as requestId); request_id is not used then.
  if ('pending_request_ids' in c) return { now, requestId: c.pending_request_ids }
  const requestId = 'request_id' in c ? c.request_id : (file.request_id ?? null)
  return { now, requestId }
}

function checkIdentity(identity, facts) {
  const problems = []
  for (const [key, want] of Object.entries(facts)) {
    if (key === 'attribute_counts') {
      for (const [name, n] of Object.entries(want)) {
        const got = identity.attributes[name]?.length
        if (got !== n) problems.push(`attribute ${name}: ${got} values, expected ${n}`)
      }
    } else if (key === 'attributes') {
      for (const [name, values] of Object.entries(want)) {
        if (!deepEqual(identity.attributes[name], values)) problems.push(`attribute ${name}: ${JSON.stringify(identity.attributes[name])}, expected ${JSON.stringify(values)}`)
      }
    } else {
      // Vector facts name the snake_case members; the Node identity is camelCase. An absent
      // member compares as null.
      const camel = key.replace(/_([a-z])/g, (_, c) => c.toUpperCase())
      if (!deepEqual(identity[camel] ?? null, want)) problems.push(`${key}: ${JSON.stringify(identity[camel])}, expected ${JSON.stringify(want)}`)
    }
  }
  return problems
}

/** Run a validation file; `sync` picks validateSync. Returns {cases, failures}. */
async function runSamlValidationFile(file, { sync = false } = {}) {
  const failures = []
  let cases = 0
  for (const c of file.cases) {
    const expect = c.expect
    if (expect.settings_error !== undefined) {
      // The settings themselves are refused: only the constructor runs.
      let problem
      try {
        new ServiceProvider(mergedSettings(file, c))
        problem = `settings accepted, expected ${expect.settings_error}`
      } catch (e) {
        if (!(e instanceof Error) || typeof e.code !== 'string') problem = `threw a non-coded ${e}`
        else if (e.code !== expect.settings_error) problem = `settings refused with ${e.code}: ${e.message}, expected ${expect.settings_error}`
      }
      cases += 1
      if (problem) failures.push(`${file.description.slice(0, 30)} / ${c.name}: ${problem}`)
      continue
    }
    const sp = new ServiceProvider(mergedSettings(file, c))
    const input = caseInput(c)
    let problems = []
    try {
      if (c.operation === 'verify_signed_element') {
        const canonical = await sp.verifySignedElement(Buffer.isBuffer(input) ? input.toString('utf8') : input)
        if (expect.ok !== true) problems.push(`accepted, expected ${expect.error}`)
        else for (const t of expect.canonical_contains) if (!canonical.includes(t)) problems.push(`canonical bytes lack ${t}`)
      } else {
        const options = caseOptions(file, c)
        const identity = sync ? sp.validateSync(input, options) : await sp.validate(input, options)
        if (expect.ok !== true) problems.push(`accepted as ${identity.nameId}, expected ${expect.error}`)
        else problems = checkIdentity(identity, expect.identity)
      }
    } catch (e) {
      if (!(e instanceof Error) || typeof e.code !== 'string') problems.push(`threw a non-coded ${e}`)
      else if (expect.ok === true || e.code !== expect.error) problems.push(`refused with ${e.code}: ${e.message}, expected ${JSON.stringify(expect)}`)
    }
    cases += 1
    if (problems.length) failures.push(`${file.description.slice(0, 30)} / ${c.name}: ${problems.join('; ')}`)
  }
  return { cases, failures }
}

/** Run the login file on one store (cases in order); `makeStore` gets no workspaces. */
async function runSamlLoginFile(file, makeStore) {
  const store = makeStore([])
  const ws = file.workspace
  store.addWorkspace(ws, [])
  file.users.forEach((user, i) => {
    const t = '1970-01-01T00:00:00Z'
    store.users.push({
      id: `user-${i}`, workspaceId: ws.id, userName: user.user_name, externalId: null, givenName: null,
      familyName: null, email: null, role: ws.default_role ?? 'Project Manager', state: user.state, version: 1,
      created: t, lastModified: t, resource: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: user.user_name },
    })
  })
  const handler = new Handler(store)
  const failures = []
  let cases = 0
  for (const c of file.cases) {
    const sp = new ServiceProvider(mergedSettings(file, c))
    let got
    try {
      const d = await handler.signIn(ws.id, sp, caseInput(c), caseOptions(file, c))
      got = d.decision === 'allowed' ? { decision: 'allowed', user_name: d.user.userName } : { decision: 'refused', code: d.code }
    } catch (e) {
      got = { error: e.code }
    }
    cases += 1
    if (!deepEqual(got, c.expect)) failures.push(`login / ${c.name}: got ${JSON.stringify(got)}, expected ${JSON.stringify(c.expect)}`)
  }
  return { cases, failures }
}

module.exports = { vectorFiles, runScimVector, runSamlValidationFile, runSamlLoginFile, recordingStore, PENDING, REPO }
