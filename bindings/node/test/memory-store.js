'use strict'
// The in-memory Directory the tests and examples use, written against the wire form only
// (the model is core/tests/bridge_host/mod.rs): records kept as plain objects, queries answered
// by selectUsers / selectGroups, kinds signalled by throwing errors with a `code`.

const { hashToken, selectUsers, selectGroups, userNameKey, displayNameKey } = require('..')

function signal(code, message) {
  return Object.assign(new Error(message), { code })
}

class MemoryStore {
  /** `workspaces`: [{id, name, defaultRole?, tokens: [plain token, …]}]. */
  constructor(workspaces = []) {
    this.tokens = new Map()
    this.users = []
    this.groups = []
    this.assertions = new Map()
    this.calls = []
    for (const ws of workspaces) this.addWorkspace(ws, ws.tokens || [])
  }

  addWorkspace(ws, tokens) {
    const workspace = { id: ws.id, name: ws.name, defaultRole: ws.defaultRole ?? ws.default_role ?? 'Project Manager' }
    for (const t of tokens) this.tokens.set(hashToken(t), workspace)
  }

  workspaceForToken(hash) {
    this.calls.push('workspaceForToken')
    const workspace = this.tokens.get(hash)
    return workspace ? { workspace, tokenHash: hash } : null
  }

  getUser(ws, id) {
    this.calls.push('getUser')
    return this.users.find((u) => u.workspaceId === ws && u.id === id) ?? null
  }

  findByUserName(ws, key) {
    this.calls.push('findByUserName')
    return this.users.find((u) => u.workspaceId === ws && userNameKey(u.userName) === key) ?? null
  }

  queryUsers(ws, query) {
    this.calls.push('queryUsers')
    return selectUsers(query, this.users.filter((u) => u.workspaceId === ws))
  }

  insertUser(user) {
    this.calls.push('insertUser')
    const key = userNameKey(user.userName)
    const taken = this.users.some(
      (u) => u.workspaceId === user.workspaceId && (userNameKey(u.userName) === key || u.id === user.id),
    )
    if (taken) throw signal('conflict', 'userName taken')
    this.users.push(user)
    return null
  }

  updateUser(user, expectedVersion) {
    this.calls.push('updateUser')
    const at = this.users.findIndex((u) => u.workspaceId === user.workspaceId && u.id === user.id)
    if (at < 0) throw signal('not_found', 'no such user')
    if (this.users[at].version !== expectedVersion) throw signal('version_mismatch', 'changed')
    const key = userNameKey(user.userName)
    const clash = this.users.some((u, i) => i !== at && u.workspaceId === user.workspaceId && userNameKey(u.userName) === key)
    if (clash) throw signal('conflict', 'userName taken')
    this.users[at] = user
    return user
  }

  rememberAssertion(ws, key, notOnOrAfter) {
    this.calls.push('rememberAssertion')
    const k = `${ws} ${key}`
    if (this.assertions.has(k)) return false
    this.assertions.set(k, notOnOrAfter)
    return true
  }

  getGroup(ws, id) {
    return this.groups.find((g) => g.workspaceId === ws && g.id === id) ?? null
  }

  findGroupByDisplayName(ws, key) {
    return this.groups.find((g) => g.workspaceId === ws && displayNameKey(g.displayName) === key) ?? null
  }

  queryGroups(ws, query) {
    return selectGroups(query, this.groups.filter((g) => g.workspaceId === ws))
  }

  insertGroup(group) {
    const key = displayNameKey(group.displayName)
    if (this.groups.some((g) => g.workspaceId === group.workspaceId && displayNameKey(g.displayName) === key)) {
      throw signal('conflict', 'displayName taken')
    }
    this.groups.push(group)
    return group
  }

  updateGroup(group, expectedVersion) {
    const at = this.#groupAt(group.workspaceId, group.id, expectedVersion)
    const key = displayNameKey(group.displayName)
    const clash = this.groups.some(
      (g, i) => i !== at && g.workspaceId === group.workspaceId && displayNameKey(g.displayName) === key,
    )
    if (clash) throw signal('conflict', 'displayName taken')
    this.groups[at] = group
    return null
  }

  deleteGroup(ws, id, expectedVersion) {
    this.groups.splice(this.#groupAt(ws, id, expectedVersion), 1)
  }

  #groupAt(ws, id, expectedVersion) {
    const at = this.groups.findIndex((g) => g.workspaceId === ws && g.id === id)
    if (at < 0) throw signal('not_found', 'no such group')
    if (this.groups[at].version !== expectedVersion) throw signal('version_mismatch', 'changed')
    return at
  }
}

const METHODS = [
  'workspaceForToken', 'getUser', 'findByUserName', 'queryUsers', 'insertUser', 'updateUser', 'rememberAssertion',
  'getGroup', 'findGroupByDisplayName', 'queryGroups', 'insertGroup', 'updateGroup', 'deleteGroup',
]

/**
 * The same store with every method `async`, each answer after `delay()` resolves (default: a
 * macrotask turn, so every call really waits on the event loop).
 */
class AsyncMemoryStore extends MemoryStore {
  constructor(workspaces, delay = () => new Promise((resolve) => setImmediate(resolve))) {
    super(workspaces)
    this.delay = delay
  }
}
for (const name of METHODS) {
  const sync = MemoryStore.prototype[name]
  AsyncMemoryStore.prototype[name] = async function (...args) {
    await this.delay()
    return sync.apply(this, args)
  }
}

module.exports = { MemoryStore, AsyncMemoryStore, signal, METHODS }
