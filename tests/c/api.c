#include "suite.h"
void run_api_tests(void) {}
