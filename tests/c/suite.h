/* The parts of the C suite, run in order by suite.c. */
#ifndef SSO_SCIM_TEST_SUITE_H
#define SSO_SCIM_TEST_SUITE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

void run_api_tests(void);
void run_scim_vectors(void);
void run_saml_vectors(void);
void run_sql_vectors(void);
void run_thread_tests(void);

/* From the SAML runner, for tests that reuse a vector case: its merged settings JSON (free
 * with cJSON_free), its input bytes (free) and its `now` in ms. */
struct cJSON;
char *merged_settings(const struct cJSON *file, const struct cJSON *c);
char *case_input(const struct cJSON *c, size_t *len);
long long case_now(const struct cJSON *file, const struct cJSON *c);

#ifdef __cplusplus
}
#endif

#endif
