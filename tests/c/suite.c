/* The C suite: API checks, every SCIM, SAML and SQL vector, and threads sharing one handler.
 * Run from the repository root (vectors name files relative to it). Prints
 * "N passed, N failed" and exits non-zero on any failure. */
#include <stdio.h>
#include <string.h>

#include "suite.h"
#include "util.h"

int main(int argc, char **argv) {
    int i, all = argc < 2;
    for (i = 1; i < argc || all; i++) {
        const char *part = all ? "" : argv[i];
        if (all || strcmp(part, "api") == 0) run_api_tests();
        if (all || strcmp(part, "scim") == 0) run_scim_vectors();
        if (all || strcmp(part, "saml") == 0) run_saml_vectors();
        if (all || strcmp(part, "sql") == 0) run_sql_vectors();
        if (all || strcmp(part, "threads") == 0) run_thread_tests();
        if (all) break;
    }
    printf("%d passed, %d failed\n", checks_passed(), checks_failed());
    return checks_failed() == 0 && checks_passed() > 0 ? 0 : 1;
}
