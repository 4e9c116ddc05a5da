#define _POSIX_C_SOURCE 200809L
#include "store.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct mem_store {
    pthread_mutex_t lock;
    cJSON *tokens;     /* token hash -> workspace object */
    cJSON *users;      /* user records */
    cJSON *groups;     /* group records */
    cJSON *assertions; /* workspace id "\n" assertion key -> not_on_or_after */
    unsigned long calls;
    int *destroyed;
};

mem_store *mem_store_new(void) {
    mem_store *s = (mem_store *)calloc(1, sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
    s->tokens = cJSON_CreateObject();
    s->users = cJSON_CreateArray();
    s->groups = cJSON_CreateArray();
    s->assertions = cJSON_CreateObject();
    return s;
}

void mem_store_add_token(mem_store *s, const char *token_hash, const cJSON *workspace) {
    cJSON_AddItemToObject(s->tokens, token_hash, cJSON_Duplicate(workspace, 1));
}

void mem_store_add_user(mem_store *s, const cJSON *user) {
    cJSON_AddItemToArray(s->users, cJSON_Duplicate(user, 1));
}

unsigned long mem_store_calls(mem_store *s) {
    unsigned long n;
    pthread_mutex_lock(&s->lock);
    n = s->calls;
    pthread_mutex_unlock(&s->lock);
    return n;
}

void mem_store_count_destroy(mem_store *s, int *counter) { s->destroyed = counter; }

void mem_store_free(mem_store *s) {
    cJSON_Delete(s->tokens);
    cJSON_Delete(s->users);
    cJSON_Delete(s->groups);
    cJSON_Delete(s->assertions);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static void destroy(void *userdata) {
    mem_store *s = (mem_store *)userdata;
    if (s->destroyed) (*s->destroyed)++;
    mem_store_free(s);
}

/* ---- helpers ---- */

static const char *text(const cJSON *record, const char *field) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(record, field);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static uint64_t version_of(const cJSON *record) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(record, "version");
    return cJSON_IsNumber(v) ? (uint64_t)v->valuedouble : 0;
}

typedef sso_scim_result (*key_fn)(const char *, char **, sso_scim_error **);

/* key(record[field]) == key, through the library's own folding. */
static int same_key(const cJSON *record, const char *field, const char *key, key_fn fold) {
    char *k = NULL;
    int same;
    if (fold(text(record, field), &k, NULL) != SSO_SCIM_RESULT_OK) return 0;
    same = strcmp(k, key) == 0;
    sso_scim_string_free(k);
    return same;
}

static int in_workspace(const cJSON *record, const char *ws) { return strcmp(text(record, "workspace_id"), ws) == 0; }

static int same_record(const cJSON *record, const char *ws, const char *id) {
    return in_workspace(record, ws) && strcmp(text(record, "id"), id) == 0;
}

static sso_scim_store_status answer(sso_scim_buffer *out, const cJSON *value) {
    if (!value) {
        sso_scim_buffer_write_str(out, "null");
    } else {
        char *json = cJSON_PrintUnformatted(value);
        sso_scim_buffer_write(out, json, strlen(json));
        cJSON_free(json);
    }
    return SSO_SCIM_STORE_OK;
}

static sso_scim_store_status fail(sso_scim_buffer *out, sso_scim_store_status status, const char *message) {
    sso_scim_buffer_write_str(out, message);
    return status;
}

static mem_store *enter(void *userdata) {
    mem_store *s = (mem_store *)userdata;
    pthread_mutex_lock(&s->lock);
    s->calls++;
    return s;
}

static sso_scim_store_status leave(mem_store *s, sso_scim_store_status status) {
    pthread_mutex_unlock(&s->lock);
    return status;
}

static cJSON *find(cJSON *list, const char *ws, const char *id) {
    cJSON *r;
    cJSON_ArrayForEach(r, list) if (same_record(r, ws, id)) return r;
    return NULL;
}

static cJSON *find_by_key(cJSON *list, const char *ws, const char *field, const char *key, key_fn fold) {
    cJSON *r;
    cJSON_ArrayForEach(r, list) if (in_workspace(r, ws) && same_key(r, field, key, fold)) return r;
    return NULL;
}

/* ---- callbacks ---- */

static sso_scim_store_status workspace_for_token(void *ud, const char *hash, sso_scim_buffer *out) {
    mem_store *s = enter(ud);
    const cJSON *ws = cJSON_GetObjectItemCaseSensitive(s->tokens, hash);
    sso_scim_store_status st;
    if (!ws) {
        st = answer(out, NULL);
    } else {
        cJSON *grant = cJSON_CreateObject();
        cJSON_AddItemToObject(grant, "workspace", cJSON_Duplicate(ws, 1));
        cJSON_AddStringToObject(grant, "token_hash", hash);
        st = answer(out, grant);
        cJSON_Delete(grant);
    }
    return leave(s, st);
}

static sso_scim_store_status get_user(void *ud, const char *ws, const char *id, sso_scim_buffer *out) {
    mem_store *s = enter(ud);
    return leave(s, answer(out, find(s->users, ws, id)));
}

static sso_scim_store_status find_by_user_name(void *ud, const char *ws, const char *key, sso_scim_buffer *out) {
    mem_store *s = enter(ud);
    return leave(s, answer(out, find_by_key(s->users, ws, "user_name", key, sso_scim_user_name_key)));
}

typedef sso_scim_result (*select_fn)(const char *, const char *, char **, sso_scim_error **);

static sso_scim_store_status query(cJSON *list, const char *ws, const char *q, sso_scim_buffer *out, select_fn pick) {
    cJSON *mine = cJSON_CreateArray(), *r;
    char *records, *page = NULL;
    sso_scim_error *err = NULL;
    sso_scim_store_status st;
    cJSON_ArrayForEach(r, list) if (in_workspace(r, ws)) cJSON_AddItemToArray(mine, cJSON_Duplicate(r, 1));
    records = cJSON_PrintUnformatted(mine);
    if (pick(q, records, &page, &err) == SSO_SCIM_RESULT_OK) {
        sso_scim_buffer_write_str(out, page);
        st = SSO_SCIM_STORE_OK;
    } else {
        st = fail(out, SSO_SCIM_STORE_ERROR, sso_scim_error_message(err));
    }
    sso_scim_string_free(page);
    sso_scim_error_free(err);
    cJSON_free(records);
    cJSON_Delete(mine);
    return st;
}

static sso_scim_store_status query_users(void *ud, const char *ws, const char *q, sso_scim_buffer *out) {
    mem_store *s = enter(ud);
    return leave(s, query(s->users, ws, q, out, sso_scim_select_users));
}

static sso_scim_store_status insert_user(void *ud, const char *json, sso_scim_buffer *out) {
    mem_store *s = enter(ud);
    cJSON *user = cJSON_Parse(json), *u;
    char *key = NULL;
    const char *ws = text(user, "workspace_id");
    sso_scim_user_name_key(text(user, "user_name"), &key, NULL);
    cJSON_ArrayForEach(u, s->users) {
        if (in_workspace(u, ws) && (same_key(u, "user_name", key, sso_scim_user_name_key) ||
                                    strcmp(text(u, "id"), text(user, "id")) == 0)) {
            sso_scim_string_free(key);
            cJSON_Delete(user);
            return leave(s, fail(out, SSO_SCIM_STORE_CONFLICT, "userName taken"));
        }
    }
    sso_scim_string_free(key);
    cJSON_AddItemToArray(s->users, user);
    return leave(s, answer(out, NULL));
}

/* update_user / update_group: NOT_FOUND, VERSION_MISMATCH, CONFLICT on the name key, else
 * replace. The answer is the stored record for users and null for groups (both allowed). */
static sso_scim_store_status update(cJSON *list, const char *json, uint64_t expected, const char *field, key_fn fold,
                                    int echo, sso_scim_buffer *out) {
    cJSON *record = cJSON_Parse(json), *r, *at = NULL;
    const char *ws = text(record, "workspace_id");
    char *key = NULL;
    int index = 0, at_index = -1, clash = 0;
    cJSON_ArrayForEach(r, list) {
        if (same_record(r, ws, text(record, "id"))) {
            at = r;
            at_index = index;
        }
        index++;
    }
    if (!at) {
        cJSON_Delete(record);
        return fail(out, SSO_SCIM_STORE_NOT_FOUND, "no such record");
    }
    if (version_of(at) != expected) {
        cJSON_Delete(record);
        return fail(out, SSO_SCIM_STORE_VERSION_MISMATCH, "changed");
    }
    fold(text(record, field), &key, NULL);
    cJSON_ArrayForEach(r, list) if (r != at && in_workspace(r, ws) && same_key(r, field, key, fold)) clash = 1;
    sso_scim_string_free(key);
    if (clash) {
        cJSON_Delete(record);
        return fail(out, SSO_SCIM_STORE_CONFLICT, "name taken");
    }
    cJSON_ReplaceItemInArray(list, at_index, record);
    return answer(out, echo ? record : NULL);
}

static sso_scim_store_status update_user(void *ud, const char *json, uint64_t expected, sso_scim_buffer *out) {
    mem_store *s = enter(ud);
    return leave(s, update(s->users, json, expected, "user_name", sso_scim_user_name_key, 1, out));
}

static sso_scim_store_status remember_assertion(void *ud, const char *ws, const char *key, const char *until,
                                                sso_scim_buffer *out) {
    mem_store *s = enter(ud);
    char *name = format("%s\n%s", ws, key);
    int first = cJSON_GetObjectItemCaseSensitive(s->assertions, name) == NULL;
    if (first) cJSON_AddStringToObject(s->assertions, name, until);
    free(name);
    sso_scim_buffer_write_str(out, first ? "true" : "false");
    return leave(s, SSO_SCIM_STORE_OK);
}

static sso_scim_store_status get_group(void *ud, const char *ws, const char *id, sso_scim_buffer *out) {
    mem_store *s = enter(ud);
    return leave(s, answer(out, find(s->groups, ws, id)));
}

static sso_scim_store_status find_group_by_display_name(void *ud, const char *ws, const char *key,
                                                        sso_scim_buffer *out) {
    mem_store *s = enter(ud);
    return leave(s, answer(out, find_by_key(s->groups, ws, "display_name", key, sso_scim_display_name_key)));
}

static sso_scim_store_status query_groups(void *ud, const char *ws, const char *q, sso_scim_buffer *out) {
    mem_store *s = enter(ud);
    return leave(s, query(s->groups, ws, q, out, sso_scim_select_groups));
}

static sso_scim_store_status insert_group(void *ud, const char *json, sso_scim_buffer *out) {
    mem_store *s = enter(ud);
    cJSON *group = cJSON_Parse(json);
    char *key = NULL;
    sso_scim_store_status st;
    sso_scim_display_name_key(text(group, "display_name"), &key, NULL);
    if (find_by_key(s->groups, text(group, "workspace_id"), "display_name", key, sso_scim_display_name_key)) {
        cJSON_Delete(group);
        st = fail(out, SSO_SCIM_STORE_CONFLICT, "displayName taken");
    } else {
        st = answer(out, group);
        cJSON_AddItemToArray(s->groups, group);
    }
    sso_scim_string_free(key);
    return leave(s, st);
}

static sso_scim_store_status update_group(void *ud, const char *json, uint64_t expected, sso_scim_buffer *out) {
    mem_store *s = enter(ud);
    return leave(s, update(s->groups, json, expected, "display_name", sso_scim_display_name_key, 0, out));
}

static sso_scim_store_status delete_group(void *ud, const char *ws, const char *id, uint64_t expected,
                                          sso_scim_buffer *out) {
    mem_store *s = enter(ud);
    cJSON *g = find(s->groups, ws, id);
    if (!g) return leave(s, fail(out, SSO_SCIM_STORE_NOT_FOUND, "no such group"));
    if (version_of(g) != expected) return leave(s, fail(out, SSO_SCIM_STORE_VERSION_MISMATCH, "changed"));
    cJSON_Delete(cJSON_DetachItemViaPointer(s->groups, g));
    return leave(s, answer(out, NULL));
}

sso_scim_store mem_store_vtable(mem_store *s, int with_groups) {
    sso_scim_store v;
    memset(&v, 0, sizeof v);
    v.userdata = s;
    v.workspace_for_token = workspace_for_token;
    v.get_user = get_user;
    v.find_by_user_name = find_by_user_name;
    v.query_users = query_users;
    v.insert_user = insert_user;
    v.update_user = update_user;
    v.remember_assertion = remember_assertion;
    if (with_groups) {
        v.get_group = get_group;
        v.find_group_by_display_name = find_group_by_display_name;
        v.query_groups = query_groups;
        v.insert_group = insert_group;
        v.update_group = update_group;
        v.delete_group = delete_group;
    }
    v.destroy = destroy;
    return v;
}
