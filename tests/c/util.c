#define _POSIX_C_SOURCE 200809L
#include "util.h"

#include <dirent.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t counts_lock = PTHREAD_MUTEX_INITIALIZER;
static int passed;
static int failed;

int check(int ok, const char *fmt, ...) {
    pthread_mutex_lock(&counts_lock);
    if (ok) {
        passed++;
    } else {
        va_list args;
        failed++;
        fputs("FAIL: ", stdout);
        va_start(args, fmt);
        vprintf(fmt, args);
        va_end(args);
        fputc('\n', stdout);
        fflush(stdout);
    }
    pthread_mutex_unlock(&counts_lock);
    return ok;
}

int checks_passed(void) { return passed; }
int checks_failed(void) { return failed; }

char *format(const char *fmt, ...) {
    va_list args;
    int n;
    char *out;
    va_start(args, fmt);
    n = vsnprintf(NULL, 0, fmt, args);
    va_end(args);
    out = (char *)malloc((size_t)n + 1);
    va_start(args, fmt);
    vsnprintf(out, (size_t)n + 1, fmt, args);
    va_end(args);
    return out;
}

char *copy_string(const char *text) {
    size_t n = strlen(text);
    char *out = (char *)malloc(n + 1);
    memcpy(out, text, n + 1);
    return out;
}

char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    size_t size = 0, cap = 0, n;
    if (!f) return NULL;
    do {
        if (size + 4096 + 1 > cap) {
            cap = (cap + 4096 + 1) * 2;
            data = (char *)realloc(data, cap);
        }
        n = fread(data + size, 1, 4096, f);
        size += n;
    } while (n > 0);
    fclose(f);
    data[size] = '\0';
    if (len) *len = size;
    return data;
}

cJSON *read_json(const char *path) {
    size_t len;
    char *text = read_file(path, &len);
    cJSON *json;
    if (!check(text != NULL, "%s: cannot read", path)) return NULL;
    json = cJSON_ParseWithLength(text, len);
    free(text);
    check(json != NULL, "%s: not JSON", path);
    return json;
}

static int by_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **json_files(const char *dir, size_t *count) {
    DIR *d = opendir(dir);
    struct dirent *e;
    char **list = NULL;
    size_t n = 0;
    *count = 0;
    if (!d) return NULL;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0) {
            list = (char **)realloc(list, (n + 1) * sizeof *list);
            list[n++] = format("%s/%s", dir, e->d_name);
        }
    }
    closedir(d);
    if (n > 0) qsort(list, n, sizeof *list, by_name);
    *count = n;
    return list;
}

void free_list(char **list, size_t count) {
    size_t i;
    for (i = 0; i < count; i++) free(list[i]);
    free(list);
}

static int b64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

unsigned char *base64_decode(const char *text, size_t *len) {
    size_t n = strlen(text), i, out = 0;
    unsigned char *bytes = (unsigned char *)malloc(n / 4 * 3 + 3);
    unsigned long acc = 0;
    int bits = 0;
    for (i = 0; i < n; i++) {
        int v;
        if (text[i] == '=') break;
        v = b64_value(text[i]);
        if (v < 0) {
            free(bytes);
            return NULL;
        }
        acc = (acc << 6) | (unsigned long)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            bytes[out++] = (unsigned char)((acc >> bits) & 0xff);
        }
    }
    *len = out;
    return bytes;
}

const cJSON *json_pointer(const cJSON *root, const char *pointer) {
    const cJSON *at = root;
    const char *p = pointer;
    if (!root) return NULL;
    if (*p == '\0') return root;
    if (*p != '/') return NULL;
    while (at && *p == '/') {
        const char *end;
        char *token;
        size_t i, t = 0;
        p++;
        end = strchr(p, '/');
        if (!end) end = p + strlen(p);
        token = (char *)malloc((size_t)(end - p) + 1);
        for (i = 0; p + i < end; i++) {
            if (p[i] == '~' && p + i + 1 < end && (p[i + 1] == '0' || p[i + 1] == '1')) {
                token[t++] = p[i + 1] == '0' ? '~' : '/';
                i++;
            } else {
                token[t++] = p[i];
            }
        }
        token[t] = '\0';
        if (cJSON_IsObject(at)) {
            at = cJSON_GetObjectItemCaseSensitive(at, token);
        } else if (cJSON_IsArray(at)) {
            char *rest;
            long index = strtol(token, &rest, 10);
            at = (*token && !*rest && index >= 0) ? cJSON_GetArrayItem(at, (int)index) : NULL;
        } else {
            at = NULL;
        }
        free(token);
        p = end;
    }
    return at;
}

char *take_error_code(sso_scim_error *err) {
    char *code = copy_string(err ? sso_scim_error_code(err) : "");
    sso_scim_error_free(err);
    return code;
}
