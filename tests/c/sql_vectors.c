/* Every case of tests/vectors/sql/ through sso_scim_filter_to_sql: the same SQL, parameters
 * and verdicts as the Rust runner (core/tests/bridge.rs), compared as JSON, or the same error
 * code. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sso_scim.h"
#include "suite.h"
#include "util.h"

/* Counted when the file was written; fewer means a lost case. */
#define MIN_SQL_CASES 18

static void run_case(const char *file, const cJSON *c, int *cases) {
    const char *name = cJSON_GetObjectItemCaseSensitive(c, "name")->valuestring;
    char *query = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(c, "query"));
    char *options = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(c, "options"));
    const cJSON *expect = cJSON_GetObjectItemCaseSensitive(c, "expect");
    const cJSON *error = cJSON_GetObjectItemCaseSensitive(c, "error");
    char *out = NULL;
    sso_scim_error *err = NULL;
    sso_scim_result r = sso_scim_filter_to_sql(query, options, &out, &err);
    if (cJSON_IsString(error)) {
        char *code = take_error_code(err);
        check(r != SSO_SCIM_RESULT_OK && strcmp(code, error->valuestring) == 0, "%s: %s: refused with %s (got %s)", file,
              name, error->valuestring, code);
        free(code);
    } else {
        cJSON *got = out ? cJSON_Parse(out) : NULL;
        check(r == SSO_SCIM_RESULT_OK && got && cJSON_Compare(got, expect, 1), "%s: %s: got %s", file, name,
              out ? out : "(error)");
        cJSON_Delete(got);
        free(take_error_code(err));
    }
    sso_scim_string_free(out);
    cJSON_free(query);
    cJSON_free(options);
    *cases += 1;
}

void run_sql_vectors(void) {
    size_t n = 0, i;
    int cases = 0;
    char **files = json_files("tests/vectors/sql", &n);
    for (i = 0; i < n; i++) {
        cJSON *file = read_json(files[i]);
        const cJSON *c;
        cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(file, "cases")) run_case(files[i], c, &cases);
        cJSON_Delete(file);
    }
    free_list(files, n);
    check(cases >= MIN_SQL_CASES, "only %d SQL cases ran", cases);
}
