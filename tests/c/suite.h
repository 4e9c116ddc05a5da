/* The parts of the C suite, run in order by suite.c. */
#ifndef SSO_SCIM_TEST_SUITE_H
#define SSO_SCIM_TEST_SUITE_H

#ifdef __cplusplus
extern "C" {
#endif

void run_api_tests(void);
void run_scim_vectors(void);
void run_saml_vectors(void);
void run_thread_tests(void);

#ifdef __cplusplus
}
#endif

#endif
