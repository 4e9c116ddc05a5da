// A TypeScript host of sso-scim, compiled by `make test-node` with `tsc --noEmit --strict`: a
// Postgres-shaped async store (here backed by Maps), the SCIM route and the ACS. The
// `@ts-expect-error` lines prove the declarations are precise (an `any` would let them pass
// and fail the compilation).

import {
  Handler,
  ServiceProvider,
  selectUsers,
  userNameKey,
  hashToken,
  generateToken,
  importMetadata,
  type Directory,
  type GroupRecord,
  type Identity,
  type LoginDecision,
  type ScimRequest,
  type ScimResponse,
  type SsoScimError,
  type StoreQuery,
  type TokenGrant,
  type UserPage,
  type UserRecord,
  type Workspace,
} from '../..'

class DatabaseError extends Error {
  constructor(message: string, readonly sqlState: string) {
    super(message)
  }
}

class MapStore implements Directory {
  private readonly users = new Map<string, UserRecord>()
  private readonly seen = new Map<string, string>()

  constructor(private readonly tokens: Map<string, Workspace>) {}

  async workspaceForToken(tokenHash: string): Promise<TokenGrant | null> {
    const workspace = this.tokens.get(tokenHash)
    return workspace ? { workspace, tokenHash } : null
  }

  async getUser(workspaceId: string, id: string): Promise<UserRecord | null> {
    const user = this.users.get(id)
    return user && user.workspaceId === workspaceId ? user : null
  }

  // A plain (synchronous) method is as good as an async one.
  findByUserName(workspaceId: string, key: string): UserRecord | null {
    for (const user of this.users.values()) {
      if (user.workspaceId === workspaceId && userNameKey(user.userName) === key) return user
    }
    return null
  }

  async queryUsers(workspaceId: string, query: StoreQuery): Promise<UserPage> {
    if (query.indexHint?.attribute === 'userName') {
      const hit = this.findByUserName(workspaceId, userNameKey(query.indexHint.value))
      return selectUsers(query, hit ? [hit] : [])
    }
    return selectUsers(query, [...this.users.values()].filter((u) => u.workspaceId === workspaceId))
  }

  async insertUser(user: UserRecord): Promise<null> {
    if (this.findByUserName(user.workspaceId, userNameKey(user.userName))) {
      throw Object.assign(new Error('duplicate userName'), { code: 'conflict' as const })
    }
    this.users.set(user.id, user)
    return null
  }

  async updateUser(user: UserRecord, expectedVersion: number): Promise<UserRecord> {
    const current = this.users.get(user.id)
    if (!current) throw Object.assign(new Error('gone'), { code: 'not_found' })
    if (current.version !== expectedVersion) throw Object.assign(new Error('moved'), { code: 'version_mismatch' })
    if (user.state === 'deprovisioned' && current.state === 'archived') {
      // The product may react to lifecycle changes here.
    }
    this.users.set(user.id, user)
    return user
  }

  async rememberAssertion(workspaceId: string, key: string, notOnOrAfter: string): Promise<boolean> {
    if (Number.isNaN(Date.parse(notOnOrAfter))) throw new DatabaseError('bad instant', '22007')
    const k = `${workspaceId} ${key}`
    if (this.seen.has(k)) return false
    this.seen.set(k, notOnOrAfter)
    return true
  }

  // The group methods are optional: without them /Groups answers 501.
}

// A group store would type its records as GroupRecord.
export const noGroups: GroupRecord[] = []

async function scimRoute(handler: Handler, req: ScimRequest): Promise<ScimResponse> {
  try {
    const response = await handler.handle(req)
    if (response.errorCode === 'uniqueness') console.info('SCIM conflict:', response.errorMessage)
    return response
  } catch (e) {
    const err = e as SsoScimError
    if (err.code === 'store_failed' && err.cause instanceof DatabaseError) console.error('database:', err.cause.sqlState)
    throw err
  }
}

/** The ACS: `pending` holds the AuthnRequest ids this browser's session has not seen answered. */
async function acs(handler: Handler, sp: ServiceProvider, workspaceId: string, form: string, pending: Set<string>): Promise<string> {
  const identity: Identity = await sp.validate(form, { requestId: [...pending], now: new Date() })
  // A request is answered once.
  if (identity.inResponseTo !== undefined) pending.delete(identity.inResponseTo)
  const decision: LoginDecision = await handler.decide(workspaceId, sp, identity)
  if (decision.decision === 'allowed') return decision.user.id
  // Narrowed: only a refusal has a code.
  return `refused: ${decision.code}`
}

export async function main(metadataXml: string): Promise<void> {
  const { token, hash } = generateToken()
  if (hashToken(token) !== hash) throw new Error('hash mismatch')
  const store = new MapStore(new Map([[hash, { id: 'ws-1', name: 'Acme', defaultRole: 'Member' }]]))
  const handler = new Handler(store, { baseUrl: 'https://app.example.com/scim/v2', profile: 'entra', limits: { maxResults: 100 } })
  const response = await scimRoute(handler, { method: 'GET', path: '/Users', headers: { authorization: `Bearer ${token}` } })
  const status: number = response.status
  const { settings, metadata } = await importMetadata(metadataXml, 'https://app.example.com/sp', 'https://app.example.com/saml/acs')
  const sp = new ServiceProvider({ ...settings, allowIdpInitiated: true })
  const request = await sp.authnRequest('/after-login')
  const identity: Identity = await sp.validate('…', { requestId: request.id })
  const fromSync: string = sp.validateSync('…').nameId
  const who = await acs(handler, sp, 'ws-1', '…', new Set([request.id]))
  const signedIn = await handler.signIn('ws-1', sp, '…', { requestId: request.id })
  const expiring = await sp.certificatesExpiringWithin(30)
  console.log(status, metadata.entityId, identity.email ?? fromSync, who, signedIn.decision, expiring.map((c) => c.notAfter))

  // @ts-expect-error signIn takes one request id: several pending go through validate, then decide
  await handler.signIn('ws-1', sp, '…', { requestId: [request.id] })
  // @ts-expect-error the state is a closed union
  const bad: UserRecord['state'] = 'deleted'
  // @ts-expect-error handle takes a request object, not a string
  await handler.handle('/Users')
  const decided = await handler.decide('ws-1', sp, identity)
  if (decided.decision === 'refused') {
    // @ts-expect-error a refused decision has no user
    void decided.user
  }
  // @ts-expect-error profile is 'entra' | 'strict'
  new Handler(store, { profile: 'lenient' })
  // @ts-expect-error a store lacking required methods is not a Directory
  new Handler({ getUser: () => null })
  void bad
}
