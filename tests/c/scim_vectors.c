/* Every SCIM vector in tests/vectors/scim through the C ABI and the C store (format:
 * tests/vectors/README.md; reference semantics: core/tests/vector_runner/mod.rs). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "suite.h"
#include "util.h"

#define DEFAULT_BASE_URL "https://example.test/scim/v2"
#define MAX_VARS 64

typedef struct {
    char *names[MAX_VARS];
    char *values[MAX_VARS];
    int count;
} vars;

static void vars_set(vars *v, const char *name, char *value) {
    int i;
    for (i = 0; i < v->count; i++) {
        if (strcmp(v->names[i], name) == 0) {
            free(v->values[i]);
            v->values[i] = value;
            return;
        }
    }
    if (v->count == MAX_VARS) {
        check(0, "more than %d variables", MAX_VARS);
        free(value);
        return;
    }
    v->names[v->count] = copy_string(name);
    v->values[v->count++] = value;
}

static void vars_free(vars *v) {
    int i;
    for (i = 0; i < v->count; i++) {
        free(v->names[i]);
        free(v->values[i]);
    }
}

/* ${name} replaced; NULL (and *problem set) for an undefined variable. */
static char *substitute(const vars *v, const char *s, char **problem) {
    size_t cap = strlen(s) + 1, len = 0;
    char *out = (char *)malloc(cap);
    const char *rest = s;
    while (*rest) {
        const char *start = strstr(rest, "${"), *end, *value = NULL;
        size_t add;
        int i;
        if (!start) start = rest + strlen(rest);
        add = (size_t)(start - rest);
        if (*start) {
            end = strchr(start, '}');
            if (!end) {
                *problem = format("unclosed variable in \"%s\"", s);
                free(out);
                return NULL;
            }
            for (i = 0; i < v->count; i++) {
                if (strlen(v->names[i]) == (size_t)(end - start - 2) &&
                    strncmp(v->names[i], start + 2, (size_t)(end - start - 2)) == 0) {
                    value = v->values[i];
                }
            }
            if (!value) {
                *problem = format("undefined variable %.*s", (int)(end - start + 1), start);
                free(out);
                return NULL;
            }
        } else {
            end = start - 1;
        }
        if (len + add + (value ? strlen(value) : 0) + 1 > cap) {
            cap = (len + add + (value ? strlen(value) : 0) + 1) * 2;
            out = (char *)realloc(out, cap);
        }
        memcpy(out + len, rest, add);
        len += add;
        if (value) {
            memcpy(out + len, value, strlen(value));
            len += strlen(value);
        }
        rest = end + 1;
        if (!*start) break;
    }
    out[len] = '\0';
    return out;
}

/* cJSON keeps strings NUL-terminated, so a "\u0000" escape would cut its string short. Vector
 * files and responses are parsed with each such escape read as U+10FFFF (a noncharacter no
 * vector uses), and a request body printed from a vector gets its NUL back (as "\u0000" in a
 * JSON body, as a byte in body_text). */
#define NUL_STAND_IN "\xF4\x8F\xBF\xBF"

static cJSON *parse_keeping_nuls(const char *text, size_t len) {
    char *copy = (char *)malloc(2 * len + 1);
    size_t i = 0, n = 0;
    cJSON *json;
    while (i < len) {
        if (text[i] == '\\' && i + 5 < len && text[i + 1] == 'u' && memcmp(text + i + 2, "0000", 4) == 0) {
            memcpy(copy + n, "\\uDBFF\\uDFFF", 12); /* U+10FFFF as a UTF-16 surrogate pair */
            n += 12;
            i += 6;
        } else if (text[i] == '\\' && i + 1 < len) {
            /* Any other escape, "\\" included, is copied whole: its second character never
             * starts a "\u0000". */
            copy[n++] = text[i++];
            copy[n++] = text[i++];
        } else {
            copy[n++] = text[i++];
        }
    }
    copy[n] = '\0';
    json = cJSON_ParseWithLength(copy, n);
    free(copy);
    return json;
}

/* `text` with every stand-in replaced by `with` (`with_len` bytes, possibly a NUL); the length
 * in *out_len. */
static unsigned char *restore_nuls(const char *text, const char *with, size_t with_len, size_t *out_len) {
    size_t len = strlen(text), i = 0, n = 0;
    unsigned char *out = (unsigned char *)malloc(len * 2 + 1);
    while (i < len) {
        if (i + 4 <= len && memcmp(text + i, NUL_STAND_IN, 4) == 0) {
            memcpy(out + n, with, with_len);
            n += with_len;
            i += 4;
        } else {
            out[n++] = (unsigned char)text[i++];
        }
    }
    out[n] = '\0';
    *out_len = n;
    return out;
}

/* A vector file, read with parse_keeping_nuls. */
static cJSON *read_vector(const char *path) {
    size_t len;
    char *text = read_file(path, &len);
    cJSON *json;
    if (!check(text != NULL, "%s: cannot read", path)) return NULL;
    json = parse_keeping_nuls(text, len);
    free(text);
    check(json != NULL, "%s: not JSON", path);
    return json;
}

/* A copy of a JSON value with every string (and object key) substituted. */
static cJSON *substitute_value(const vars *v, const cJSON *value, char **problem) {
    cJSON *copy, *item;
    if (cJSON_IsString(value)) {
        char *s = substitute(v, value->valuestring, problem);
        if (!s) return NULL;
        copy = cJSON_CreateString(s);
        free(s);
        return copy;
    }
    if (!cJSON_IsArray(value) && !cJSON_IsObject(value)) return cJSON_Duplicate(value, 1);
    copy = cJSON_IsArray(value) ? cJSON_CreateArray() : cJSON_CreateObject();
    cJSON_ArrayForEach(item, value) {
        cJSON *inner = substitute_value(v, item, problem);
        if (!inner) {
            cJSON_Delete(copy);
            return NULL;
        }
        if (cJSON_IsArray(value)) {
            cJSON_AddItemToArray(copy, inner);
        } else {
            char *key = substitute(v, item->string, problem);
            if (!key) {
                cJSON_Delete(inner);
                cJSON_Delete(copy);
                return NULL;
            }
            cJSON_AddItemToObject(copy, key, inner);
            free(key);
        }
    }
    return copy;
}

static const char *type_name(const cJSON *v) {
    if (cJSON_IsNull(v)) return "null";
    if (cJSON_IsBool(v)) return "boolean";
    if (cJSON_IsString(v)) return "string";
    if (cJSON_IsArray(v)) return "array";
    if (cJSON_IsObject(v)) return "object";
    /* cJSON keeps numbers as doubles: an integral value within 2^53 is an integer. */
    if (v->valuedouble == (double)(long long)v->valuedouble && v->valuedouble < 9007199254740992.0 &&
        v->valuedouble > -9007199254740992.0)
        return "integer";
    return "number";
}

static int ascii_case_equal(const char *a, const char *b) {
    for (; *a && *b; a++, b++) {
        char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a + 32) : *a;
        char y = (*b >= 'A' && *b <= 'Z') ? (char)(*b + 32) : *b;
        if (x != y) return 0;
    }
    return *a == *b;
}

static const char *response_header(const sso_scim_response *r, const char *name) {
    size_t i, n = sso_scim_response_header_count(r);
    for (i = 0; i < n; i++) {
        const char *hn, *hv;
        if (sso_scim_response_header(r, i, &hn, &hv) == SSO_SCIM_RESULT_OK && ascii_case_equal(hn, name)) return hv;
    }
    return NULL;
}

typedef struct {
    char *text;
    size_t len;
} problems;

static void problem(problems *p, char *message) {
    size_t n = strlen(message);
    p->text = (char *)realloc(p->text, p->len + n + 6);
    memcpy(p->text + p->len, "\n    ", 5);
    memcpy(p->text + p->len + 5, message, n + 1);
    p->len += n + 5;
    free(message);
}

static void check_expect(const cJSON *expect, const sso_scim_response *resp, const vars *v, problems *p) {
    size_t body_len;
    const char *body = (const char *)sso_scim_response_body(resp, &body_len);
    cJSON *json = body_len ? parse_keeping_nuls(body, body_len) : NULL;
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(expect, "status");
    const cJSON *code_want = cJSON_GetObjectItemCaseSensitive(expect, "error_code");
    const cJSON *headers = cJSON_GetObjectItemCaseSensitive(expect, "headers");
    const cJSON *absent = cJSON_GetObjectItemCaseSensitive(expect, "headers_absent");
    const cJSON *empty = cJSON_GetObjectItemCaseSensitive(expect, "body_empty");
    const cJSON *facts = cJSON_GetObjectItemCaseSensitive(expect, "body");
    const cJSON *item;
    const char *code = sso_scim_response_error_code(resp);
    unsigned st = sso_scim_response_status(resp);

    if (cJSON_IsNumber(status) && (double)st != status->valuedouble)
        problem(p, format("status %u != expected %g", st, status->valuedouble));
    if (cJSON_IsString(code_want)) {
        if (!code || strcmp(code, code_want->valuestring) != 0)
            problem(p, format("error_code %s != expected %s", code ? code : "(none)", code_want->valuestring));
    } else if (code && st < 400) {
        problem(p, format("unexpected error_code %s", code));
    }
    cJSON_ArrayForEach(item, headers) {
        char *want, *why = NULL;
        const char *have;
        if (!cJSON_IsString(item)) {
            problem(p, format("header %s: expected values are strings", item->string));
            continue;
        }
        want = substitute(v, item->valuestring, &why);
        if (!want) {
            problem(p, why);
            continue;
        }
        have = response_header(resp, item->string);
        if (!have || strcmp(have, want) != 0)
            problem(p, format("header %s: %s != expected %s", item->string, have ? have : "(absent)", want));
        free(want);
    }
    cJSON_ArrayForEach(item, absent) {
        const char *have = cJSON_IsString(item) ? response_header(resp, item->valuestring) : NULL;
        if (have) problem(p, format("header %s should be absent, is %s", item->valuestring, have));
    }
    if (cJSON_IsBool(empty) && cJSON_IsTrue(empty) != (body_len == 0))
        problem(p, format("body_empty %s != expected", body_len == 0 ? "true" : "false"));
    cJSON_ArrayForEach(item, facts) {
        const cJSON *path = cJSON_GetObjectItemCaseSensitive(item, "path");
        const char *ptr = cJSON_IsString(path) ? path->valuestring : "";
        const cJSON *at = json_pointer(json, ptr);
        const cJSON *f;
        char *why = NULL;
        if ((f = cJSON_GetObjectItemCaseSensitive(item, "equals")) != NULL) {
            cJSON *want = substitute_value(v, f, &why);
            if (!want) {
                problem(p, format("%s: %s", ptr, why));
                free(why);
            } else if (!at || !cJSON_Compare(at, want, 1)) {
                char *a = at ? cJSON_PrintUnformatted(at) : NULL, *w = cJSON_PrintUnformatted(want);
                problem(p, format("%s: %s != expected %s", ptr, a ? a : "(absent)", w));
                cJSON_free(a);
                cJSON_free(w);
            }
            cJSON_Delete(want);
        }
        if ((f = cJSON_GetObjectItemCaseSensitive(item, "not_equals")) != NULL) {
            cJSON *want = substitute_value(v, f, &why);
            if (!want) {
                problem(p, format("%s: %s", ptr, why));
                free(why);
            } else if (at && cJSON_Compare(at, want, 1)) {
                problem(p, format("%s: should not equal the expected value", ptr));
            }
            cJSON_Delete(want);
        }
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, "absent")) && at)
            problem(p, format("%s: should be absent", ptr));
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, "present")) && !at)
            problem(p, format("%s: should be present", ptr));
        if (cJSON_IsNumber(f = cJSON_GetObjectItemCaseSensitive(item, "length"))) {
            int n = (at && (cJSON_IsArray(at) || cJSON_IsObject(at))) ? cJSON_GetArraySize(at) : -1;
            if ((double)n != f->valuedouble) problem(p, format("%s: length %d != expected %g", ptr, n, f->valuedouble));
        }
        if (cJSON_IsString(f = cJSON_GetObjectItemCaseSensitive(item, "type"))) {
            const char *t = at ? type_name(at) : "(absent)";
            if (strcmp(t, f->valuestring) != 0) problem(p, format("%s: type %s != expected %s", ptr, t, f->valuestring));
        }
        if (cJSON_IsString(f = cJSON_GetObjectItemCaseSensitive(item, "contains"))) {
            char *want = substitute(v, f->valuestring, &why);
            if (!want) {
                problem(p, format("%s: %s", ptr, why));
                free(why);
            } else if (!cJSON_IsString(at) || !strstr(at->valuestring, want)) {
                problem(p, format("%s: does not contain \"%s\"", ptr, want));
            }
            free(want);
        }
    }
    cJSON_Delete(json);
}

typedef struct {
    const char *ws;
    const char *token;
} ws_token;

/* One vector file; returns the number of steps run. */
static int run_file(const char *path) {
    cJSON *file = read_vector(path), *config, *step;
    const cJSON *item;
    mem_store *store;
    sso_scim_store vtable;
    sso_scim_handler *handler = NULL;
    sso_scim_error *err = NULL;
    ws_token tokens[16];
    int ntokens = 0, steps = 0, index = 0;
    char *config_json;
    vars v;
    memset(&v, 0, sizeof v);
    if (!file) return 0;
    config = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(file, "config"), 1);
    if (!config) config = cJSON_CreateObject();
    if (!cJSON_GetObjectItemCaseSensitive(config, "base_url")) cJSON_AddStringToObject(config, "base_url", DEFAULT_BASE_URL);
    config_json = cJSON_PrintUnformatted(config);
    cJSON_Delete(config);

    store = mem_store_new();
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(file, "workspaces")) {
        const cJSON *t, *role = cJSON_GetObjectItemCaseSensitive(item, "default_role");
        cJSON *ws = cJSON_CreateObject();
        int first = 1;
        cJSON_AddItemToObject(ws, "id", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(item, "id"), 1));
        cJSON_AddItemToObject(ws, "name", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(item, "name"), 1));
        cJSON_AddItemToObject(ws, "default_role", role ? cJSON_Duplicate(role, 1) : cJSON_CreateString("Project Manager"));
        cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(item, "tokens")) {
            char *hash = NULL;
            if (sso_scim_hash_token(t->valuestring, &hash, NULL) == SSO_SCIM_RESULT_OK) mem_store_add_token(store, hash, ws);
            sso_scim_string_free(hash);
            if (first && ntokens < 16) {
                tokens[ntokens].ws = cJSON_GetObjectItemCaseSensitive(item, "id")->valuestring;
                tokens[ntokens++].token = t->valuestring;
            }
            first = 0;
        }
        cJSON_Delete(ws);
    }
    vtable = mem_store_vtable(store, 1);
    if (!check(sso_scim_handler_new(&vtable, config_json, &handler, &err) == SSO_SCIM_RESULT_OK, "%s: handler: %s",
               path, sso_scim_error_message(err))) {
        sso_scim_error_free(err);
        mem_store_free(store);
        cJSON_free(config_json);
        cJSON_Delete(file);
        return 0;
    }
    cJSON_free(config_json);

    cJSON_ArrayForEach(step, cJSON_GetObjectItemCaseSensitive(file, "steps")) {
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(step, "request");
        const cJSON *auth = cJSON_GetObjectItemCaseSensitive(r, "auth");
        const cJSON *query = cJSON_GetObjectItemCaseSensitive(r, "query");
        const cJSON *body;
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(step, "name");
        sso_scim_header headers[32];
        char *owned[40];
        int nheaders = 0, nowned = 0, i, has_type = 0;
        char *why = NULL, *method, *rpath, *rquery;
        unsigned char *body_bytes = NULL;
        size_t body_len = 0;
        int has_body = 0, ok = 1, stop;
        sso_scim_response *resp = NULL;
        sso_scim_result result = SSO_SCIM_RESULT_OK;
        problems p;
        char *label = format("%s step %d (%s)", path, index++, cJSON_IsString(name) ? name->valuestring : "");
        memset(&p, 0, sizeof p);
        steps++;

        method = copy_string(cJSON_GetObjectItemCaseSensitive(r, "method")->valuestring);
        rpath = substitute(&v, cJSON_GetObjectItemCaseSensitive(r, "path")->valuestring, &why);
        rquery = rpath ? substitute(&v, cJSON_IsString(query) ? query->valuestring : "", &why) : NULL;
        if (cJSON_IsString(auth)) {
            const char *token = NULL;
            for (i = 0; i < ntokens; i++)
                if (strcmp(tokens[i].ws, auth->valuestring) == 0) token = tokens[i].token;
            if (!token) {
                why = format("no token for workspace %s", auth->valuestring);
                ok = 0;
            } else {
                owned[nowned] = format("Bearer %s", token);
                headers[nheaders].name = "Authorization";
                headers[nheaders++].value = owned[nowned++];
            }
        }
        cJSON_ArrayForEach(body, cJSON_GetObjectItemCaseSensitive(r, "headers")) {
            char *value = ok ? substitute(&v, body->valuestring, &why) : NULL;
            if (!value || nheaders == 31) {
                ok = 0;
                free(value);
                break;
            }
            if (ascii_case_equal(body->string, "Content-Type")) has_type = 1;
            owned[nowned++] = value;
            headers[nheaders].name = body->string;
            headers[nheaders++].value = value;
        }
        if ((body = cJSON_GetObjectItemCaseSensitive(r, "body")) != NULL) {
            cJSON *b = ok ? substitute_value(&v, body, &why) : NULL;
            if (b) {
                char *text = cJSON_PrintUnformatted(b);
                body_bytes = restore_nuls(text, "\\u0000", 6, &body_len);
                cJSON_free(text);
                cJSON_Delete(b);
                has_body = 1;
            } else {
                ok = 0;
            }
        } else if (cJSON_IsString(body = cJSON_GetObjectItemCaseSensitive(r, "body_text"))) {
            char *text = ok ? substitute(&v, body->valuestring, &why) : NULL;
            if (text) {
                body_bytes = restore_nuls(text, "", 1, &body_len);
                free(text);
                has_body = 1;
            } else {
                ok = 0;
            }
        } else if (cJSON_IsString(body = cJSON_GetObjectItemCaseSensitive(r, "body_base64"))) {
            body_bytes = base64_decode(body->valuestring, &body_len);
            if (!body_bytes) {
                why = copy_string("body_base64 is not base64");
                ok = 0;
            }
            has_body = 1;
        }
        if (has_body && !has_type) {
            headers[nheaders].name = "Content-Type";
            headers[nheaders++].value = "application/scim+json";
        }
        /* A request the runner cannot build ends the file (later steps depend on it). */
        stop = !ok || !rpath || !rquery;
        if (stop) {
            check(0, "%s: %s", label, why ? why : "bad request");
        } else {
            result = sso_scim_handler_handle(handler, method, rpath, rquery, headers, (size_t)nheaders, body_bytes,
                                             body_len, &resp, &err);
        }
        if (!stop && check(result == SSO_SCIM_RESULT_OK, "%s: handle failed: %s %s", label, sso_scim_result_name(result),
                  sso_scim_error_message(err))) {
            const cJSON *save;
            size_t blen;
            check_expect(cJSON_GetObjectItemCaseSensitive(step, "expect"), resp, &v, &p);
            check(p.len == 0, "%s:%s\n    response %u %s", label, p.text ? p.text : "", sso_scim_response_status(resp),
                  (const char *)sso_scim_response_body(resp, &blen));
            cJSON_ArrayForEach(save, cJSON_GetObjectItemCaseSensitive(step, "save")) {
                size_t len;
                const char *b = (const char *)sso_scim_response_body(resp, &len);
                cJSON *json = len ? parse_keeping_nuls(b, len) : NULL;
                const cJSON *found = json_pointer(json, save->valuestring);
                if (check(found != NULL, "%s: cannot save %s: nothing at %s", label, save->string, save->valuestring)) {
                    char *value;
                    if (cJSON_IsString(found)) {
                        value = copy_string(found->valuestring);
                    } else {
                        char *printed = cJSON_PrintUnformatted(found);
                        value = copy_string(printed);
                        cJSON_free(printed);
                    }
                    vars_set(&v, save->string, value);
                }
                cJSON_Delete(json);
            }
        }
        sso_scim_error_free(err);
        err = NULL;
        sso_scim_response_free(resp);
        free(p.text);
        free(why);
        free(method);
        free(rpath);
        free(rquery);
        free(body_bytes);
        for (i = 0; i < nowned; i++) free(owned[i]);
        free(label);
        if (stop) break;
    }
    sso_scim_handler_free(handler);
    vars_free(&v);
    cJSON_Delete(file);
    return steps;
}

void run_scim_vectors(void) {
    size_t n, i;
    char **files = json_files("tests/vectors/scim", &n);
    int steps = 0, expected_steps = 0;
    for (i = 0; i < n; i++) {
        cJSON *file = read_json(files[i]);
        expected_steps += cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(file, "steps"));
        cJSON_Delete(file);
        steps += run_file(files[i]);
    }
    check(n >= 46, "only %lu SCIM vector files found", (unsigned long)n);
    check(steps == expected_steps, "ran %d of %d SCIM vector steps", steps, expected_steps);
    printf("SCIM vectors: %lu files, %d steps\n", (unsigned long)n, steps);
    free_list(files, n);
}
