/* An in-memory store written in C against the JSON wire form only, the way a C host writes
 * one: records kept as JSON, queries answered with sso_scim_select_users/_groups. It behaves
 * like core/tests/bridge_host (the model every binding follows). Thread-safe (one mutex). */
#ifndef SSO_SCIM_TEST_STORE_H
#define SSO_SCIM_TEST_STORE_H

#include <cjson/cJSON.h>

#include "sso_scim.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mem_store mem_store;

mem_store *mem_store_new(void);
/* Grant token_hash (64 hex digits) to a workspace ({"id", "name", "default_role"}). */
void mem_store_add_token(mem_store *store, const char *token_hash, const cJSON *workspace);
/* Keep a user record (the snake_case serde form) as if inserted. */
void mem_store_add_user(mem_store *store, const cJSON *user);
/* How many store calls were made so far. */
unsigned long mem_store_calls(mem_store *store);
/* Count destroy calls here (may be NULL). */
void mem_store_count_destroy(mem_store *store, int *counter);
/* The vtable over this store; the handler owns the store once built (destroy frees it). */
sso_scim_store mem_store_vtable(mem_store *store, int with_groups);
/* Free a store no handler took. */
void mem_store_free(mem_store *store);

#ifdef __cplusplus
}
#endif

#endif
