/* Helpers shared by the C test suite: checks and counts, files, base64, JSON pointers. */
#ifndef SSO_SCIM_TEST_UTIL_H
#define SSO_SCIM_TEST_UTIL_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "sso_scim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Record one check: counted as passed when ok, else printed with its message. */
int check(int ok, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Counts so far. */
int checks_passed(void);
int checks_failed(void);

/* printf into a new malloc'd string. */
char *format(const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 1, 2)))
#endif
    ;
char *copy_string(const char *text);

/* The bytes of a file, NUL-terminated (not counted in *len); NULL if unreadable. */
char *read_file(const char *path, size_t *len);
/* The JSON of a file; NULL (with a failed check) if unreadable or not JSON. */
cJSON *read_json(const char *path);
/* The *.json files of a directory, sorted; *count set; free with free_list. */
char **json_files(const char *dir, size_t *count);
void free_list(char **list, size_t count);

/* Standard base64 decoding; NULL on bad input. */
unsigned char *base64_decode(const char *text, size_t *len);

/* RFC 6901 JSON pointer into root; NULL when nothing is there. */
const cJSON *json_pointer(const cJSON *root, const char *pointer);

/* The code of a failed call ("" when err is NULL). Frees err. */
char *take_error_code(sso_scim_error *err);

#ifdef __cplusplus
}
#endif

#endif
