/* Every SAML vector in tests/vectors/saml through the C ABI (format: tests/vectors/README.md;
 * reference semantics: merged_settings, run_validation_file and run_login_file in
 * core/tests/saml/vectors/runner.rs). Paths in vectors are relative to the repository root. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "suite.h"
#include "util.h"

/* The file's settings, certificates from idp_certificates_from appended, the case's
 * settings members replacing the file's. */
char *merged_settings(const cJSON *file, const cJSON *c) {
    cJSON *settings = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(file, "settings"), 1);
    cJSON *certs = cJSON_GetObjectItemCaseSensitive(settings, "idp_certificates");
    const cJSON *from, *patch;
    char *text;
    cJSON_ArrayForEach(from, cJSON_GetObjectItemCaseSensitive(file, "idp_certificates_from")) {
        char *xml = read_file(from->valuestring, NULL);
        const char *start = xml ? strstr(xml, "<X509Certificate>") : NULL;
        if (check(start != NULL, "%s: no <X509Certificate>", from->valuestring)) {
            const char *end;
            start += strlen("<X509Certificate>");
            end = strchr(start, '<');
            if (end) {
                char *cert = format("%.*s", (int)(end - start), start);
                cJSON_AddItemToArray(certs, cJSON_CreateString(cert));
                free(cert);
            }
        }
        free(xml);
    }
    cJSON_ArrayForEach(patch, cJSON_GetObjectItemCaseSensitive(c, "settings")) {
        cJSON_DeleteItemFromObjectCaseSensitive(settings, patch->string);
        cJSON_AddItemToObject(settings, patch->string, cJSON_Duplicate(patch, 1));
    }
    text = cJSON_PrintUnformatted(settings);
    cJSON_Delete(settings);
    return text;
}

/* The case's input bytes (response, or the bytes of response_file). */
char *case_input(const cJSON *c, size_t *len) {
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(c, "response");
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(c, "response_file");
    if (cJSON_IsString(r)) {
        *len = strlen(r->valuestring);
        return copy_string(r->valuestring);
    }
    if (cJSON_IsString(f)) return read_file(f->valuestring, len);
    return NULL;
}

long long case_now(const cJSON *file, const cJSON *c) {
    const cJSON *now = cJSON_GetObjectItemCaseSensitive(c, "now");
    int64_t ms = 0;
    if (!now) now = cJSON_GetObjectItemCaseSensitive(file, "now");
    check(sso_scim_parse_instant(now->valuestring, &ms, NULL) == SSO_SCIM_RESULT_OK, "bad now %s", now->valuestring);
    return (long long)ms;
}

/* The case's request id: its own (null: none), else the file's. */
static const char *case_request_id(const cJSON *file, const cJSON *c) {
    const cJSON *rid = cJSON_GetObjectItemCaseSensitive(c, "request_id");
    if (!rid) rid = cJSON_GetObjectItemCaseSensitive(file, "request_id");
    return cJSON_IsString(rid) ? rid->valuestring : NULL;
}

static void check_identity(const char *label, const char *identity_json, const cJSON *facts) {
    cJSON *actual = cJSON_Parse(identity_json);
    const cJSON *fact;
    const cJSON *attributes = cJSON_GetObjectItemCaseSensitive(actual, "attributes");
    check(actual != NULL, "%s: the identity is not JSON", label);
    cJSON_ArrayForEach(fact, facts) {
        const cJSON *item;
        if (strcmp(fact->string, "attribute_counts") == 0) {
            cJSON_ArrayForEach(item, fact) {
                const cJSON *values = cJSON_GetObjectItemCaseSensitive(attributes, item->string);
                int got = cJSON_IsArray(values) ? cJSON_GetArraySize(values) : -1;
                check((double)got == item->valuedouble, "%s: attribute %s: %d values, expected %g", label, item->string,
                      got, item->valuedouble);
            }
        } else if (strcmp(fact->string, "attributes") == 0) {
            cJSON_ArrayForEach(item, fact) {
                const cJSON *values = cJSON_GetObjectItemCaseSensitive(attributes, item->string);
                check(values && cJSON_Compare(values, item, 1), "%s: attribute %s differs", label, item->string);
            }
        } else {
            /* An absent member compares as null. */
            const cJSON *have = cJSON_GetObjectItemCaseSensitive(actual, fact->string);
            char *want = cJSON_PrintUnformatted(fact);
            check(have ? cJSON_Compare(have, fact, 1) : cJSON_IsNull(fact), "%s: %s differs from expected %s", label,
                  fact->string, want);
            cJSON_free(want);
        }
    }
    cJSON_Delete(actual);
}

/* A validation file: returns the number of cases run. */
static int run_validation_file(const char *path, const cJSON *file) {
    const cJSON *c;
    int cases = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(file, "cases")) {
        const cJSON *expect = cJSON_GetObjectItemCaseSensitive(c, "expect");
        const cJSON *op = cJSON_GetObjectItemCaseSensitive(c, "operation");
        const cJSON *pending = cJSON_GetObjectItemCaseSensitive(c, "pending_request_ids");
        int want_ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(expect, "ok"));
        const cJSON *want_error = cJSON_GetObjectItemCaseSensitive(expect, "error");
        const cJSON *want_settings_error = cJSON_GetObjectItemCaseSensitive(expect, "settings_error");
        char *label = format("%s / %s", path, cJSON_GetObjectItemCaseSensitive(c, "name")->valuestring);
        char *settings = merged_settings(file, c), *out = NULL;
        sso_scim_service_provider *sp = NULL;
        sso_scim_error *err = NULL;
        sso_scim_result result;
        size_t len = 0;
        char *input = case_input(c, &len);
        cases++;
        if (cJSON_IsString(want_settings_error)) {
            /* The settings themselves are refused: only construction runs. */
            result = sso_scim_service_provider_new(settings, &sp, &err);
            if (check(result != SSO_SCIM_RESULT_OK, "%s: settings accepted, expected %s", label,
                      want_settings_error->valuestring)) {
                const char *code = sso_scim_error_code(err);
                check(strcmp(code, want_settings_error->valuestring) == 0, "%s: settings refused with %s (%s), expected %s",
                      label, code, sso_scim_error_message(err), want_settings_error->valuestring);
                check(strcmp(sso_scim_result_name(result), code) == 0, "%s: result %u is not %s", label,
                      (unsigned)result, code);
            }
            sso_scim_service_provider_free(sp);
            sso_scim_error_free(err);
            free(input);
            cJSON_free(settings);
            free(label);
            continue;
        }
        if (!check(input != NULL, "%s: no input", label) ||
            !check(sso_scim_service_provider_new(settings, &sp, &err) == SSO_SCIM_RESULT_OK, "%s: settings: %s", label,
                   sso_scim_error_message(err))) {
            sso_scim_error_free(err);
            free(input);
            cJSON_free(settings);
            free(label);
            continue;
        }
        if (cJSON_IsString(op) && strcmp(op->valuestring, "verify_signed_element") == 0) {
            result = sso_scim_service_provider_verify_signed_element(sp, input, &out, &err);
        } else if (cJSON_IsArray(pending)) {
            /* The list form: request_id is not used. */
            size_t n = (size_t)cJSON_GetArraySize(pending), k = 0;
            const char **ids = n ? (const char **)malloc(n * sizeof *ids) : NULL;
            const cJSON *id;
            cJSON_ArrayForEach(id, pending) ids[k++] = id->valuestring;
            result = sso_scim_service_provider_validate_pending(sp, (const uint8_t *)input, len, ids, n,
                                                                case_now(file, c), &out, &err);
            free((void *)ids);
        } else {
            result = sso_scim_service_provider_validate(sp, (const uint8_t *)input, len, case_request_id(file, c),
                                                        case_now(file, c), &out, &err);
        }
        if (result == SSO_SCIM_RESULT_OK) {
            if (check(want_ok, "%s: accepted, expected %s", label,
                      cJSON_IsString(want_error) ? want_error->valuestring : "?")) {
                if (cJSON_IsString(op)) {
                    const cJSON *t;
                    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(expect, "canonical_contains"))
                        check(strstr(out, t->valuestring) != NULL, "%s: canonical bytes lack %s", label, t->valuestring);
                } else {
                    check_identity(label, out, cJSON_GetObjectItemCaseSensitive(expect, "identity"));
                }
            }
        } else {
            const char *code = sso_scim_error_code(err);
            check(!want_ok && cJSON_IsString(want_error) && strcmp(code, want_error->valuestring) == 0,
                  "%s: refused with %s (%s), expected %s", label, code, sso_scim_error_message(err),
                  cJSON_IsString(want_error) ? want_error->valuestring : "acceptance");
            /* The result number and the error's code agree. */
            check(strcmp(sso_scim_result_name(result), code) == 0, "%s: result %u is not %s", label, (unsigned)result, code);
        }
        sso_scim_string_free(out);
        sso_scim_error_free(err);
        sso_scim_service_provider_free(sp);
        free(input);
        cJSON_free(settings);
        free(label);
    }
    return cases;
}

/* login.json: users loaded into one C store, cases in order on it (the replay case sees the
 * first login). */
static int run_login_file(const char *path, const cJSON *file) {
    const cJSON *ws = cJSON_GetObjectItemCaseSensitive(file, "workspace");
    const char *ws_id = cJSON_GetObjectItemCaseSensitive(ws, "id")->valuestring;
    const char *role = cJSON_GetObjectItemCaseSensitive(ws, "default_role")->valuestring;
    const cJSON *u, *c;
    mem_store *store = mem_store_new();
    sso_scim_store vtable;
    sso_scim_handler *handler = NULL;
    int i = 0, cases = 0;
    cJSON_ArrayForEach(u, cJSON_GetObjectItemCaseSensitive(file, "users")) {
        cJSON *user = cJSON_CreateObject(), *resource = cJSON_CreateObject();
        char *id = format("user-%d", i++);
        const char *name = cJSON_GetObjectItemCaseSensitive(u, "user_name")->valuestring;
        cJSON_AddStringToObject(user, "id", id);
        cJSON_AddStringToObject(user, "workspace_id", ws_id);
        cJSON_AddStringToObject(user, "user_name", name);
        cJSON_AddStringToObject(user, "role", role);
        cJSON_AddItemToObject(user, "state", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(u, "state"), 1));
        cJSON_AddNumberToObject(user, "version", 1);
        cJSON_AddStringToObject(user, "created", "1970-01-01T00:00:00Z");
        cJSON_AddStringToObject(user, "last_modified", "1970-01-01T00:00:00Z");
        cJSON_AddStringToObject(resource, "userName", name);
        cJSON_AddItemToObject(user, "resource", resource);
        mem_store_add_user(store, user);
        cJSON_Delete(user);
        free(id);
    }
    vtable = mem_store_vtable(store, 0);
    if (!check(sso_scim_handler_new(&vtable, NULL, &handler, NULL) == SSO_SCIM_RESULT_OK, "%s: handler", path)) {
        mem_store_free(store);
        return 0;
    }
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(file, "cases")) {
        const char *name = cJSON_GetObjectItemCaseSensitive(c, "name")->valuestring;
        char *settings = merged_settings(file, c), *decision = NULL, *got_text, *want_text;
        sso_scim_service_provider *sp = NULL;
        sso_scim_error *err = NULL;
        size_t len = 0;
        char *input = case_input(c, &len);
        cJSON *got = cJSON_CreateObject();
        cases++;
        if (!check(sso_scim_service_provider_new(settings, &sp, NULL) == SSO_SCIM_RESULT_OK, "login / %s: settings",
                   name)) {
            cJSON_Delete(got);
            free(input);
            cJSON_free(settings);
            continue;
        }
        if (sso_scim_handler_sign_in(handler, ws_id, sp, (const uint8_t *)input, len, case_request_id(file, c),
                                     case_now(file, c), &decision, &err) == SSO_SCIM_RESULT_OK) {
            cJSON *d = cJSON_Parse(decision);
            const char *kind = cJSON_GetObjectItemCaseSensitive(d, "decision")->valuestring;
            cJSON_AddStringToObject(got, "decision", kind);
            if (strcmp(kind, "allowed") == 0) {
                const cJSON *user = cJSON_GetObjectItemCaseSensitive(d, "user");
                cJSON_AddItemToObject(got, "user_name",
                                      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(user, "user_name"), 1));
            } else {
                cJSON_AddItemToObject(got, "code", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(d, "code"), 1));
            }
            cJSON_Delete(d);
        } else {
            cJSON_AddStringToObject(got, "error", sso_scim_error_code(err));
        }
        got_text = cJSON_PrintUnformatted(got);
        want_text = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(c, "expect"));
        check(cJSON_Compare(got, cJSON_GetObjectItemCaseSensitive(c, "expect"), 1), "login / %s: got %s, expected %s",
              name, got_text, want_text);
        cJSON_free(got_text);
        cJSON_free(want_text);
        cJSON_Delete(got);
        sso_scim_string_free(decision);
        sso_scim_error_free(err);
        sso_scim_service_provider_free(sp);
        free(input);
        cJSON_free(settings);
    }
    sso_scim_handler_free(handler);
    return cases;
}

void run_saml_vectors(void) {
    size_t n, i;
    char **files = json_files("tests/vectors/saml", &n);
    int cases = 0, expected = 0;
    for (i = 0; i < n; i++) {
        cJSON *file = read_json(files[i]);
        const cJSON *kind = cJSON_GetObjectItemCaseSensitive(file, "kind");
        if (!file) continue;
        expected += cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(file, "cases"));
        if (cJSON_IsString(kind) && strcmp(kind->valuestring, "login") == 0) {
            cases += run_login_file(files[i], file);
        } else {
            cases += run_validation_file(files[i], file);
        }
        cJSON_Delete(file);
    }
    check(n >= 8, "only %lu SAML vector files found", (unsigned long)n);
    check(cases == expected && cases > 0, "ran %d of %d SAML vector cases", cases, expected);
    printf("SAML vectors: %lu files, %d cases\n", (unsigned long)n, cases);
    free_list(files, n);
}
