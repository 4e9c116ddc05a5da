#include "suite.h"
void run_thread_tests(void) {}
