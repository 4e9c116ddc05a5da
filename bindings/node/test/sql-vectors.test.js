'use strict'
// Every case of tests/vectors/sql/ through filterToSql: the same SQL, parameters and verdicts
// as the Rust runner (core/tests/bridge.rs), or the same error code.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { vectorFiles } = require('./vectors')
const { filterToSql } = require('..')

test('every SQL vector passes through filterToSql', () => {
  let cases = 0
  for (const file of vectorFiles('sql')) {
    const vector = JSON.parse(fs.readFileSync(file, 'utf8'))
    for (const c of vector.cases) {
      const where = `${path.basename(file)}: ${c.name}`
      if (c.error) {
        assert.throws(() => filterToSql(c.query, c.options), (e) => e.code === c.error, where)
      } else {
        assert.deepEqual(filterToSql(c.query, c.options), c.expect, where)
      }
      cases += 1
    }
  }
  // Counted when the file was written; fewer means a lost case.
  assert.ok(cases >= 18, `only ${cases} SQL cases ran`)
})

test('filterToSql takes the query queryUsers received, camelCase keys and all', () => {
  const query = { filter: 'userName eq "Ann"', filterAst: null, indexHint: null, sort: null, startIndex: 1, count: 10 }
  const got = filterToSql(query, { dialect: 'sqlite', columns: { userName: { column: 'k', nullable: false } } })
  assert.deepEqual(got, { where: 'k = ?1', params: ['ann'], exact: true, order: null, sorted: true })
})
