/* Aggregates every module's Check suite (SSSD / libcheck style). The list is
 * generated from the tests/unit/ sources by the Makefile, so a suite is one file. */
#include <check.h>
#include <stdlib.h>

#define HP_SUITE(fn) Suite *fn(void);
#include "suites.h"
#undef HP_SUITE

int main(void)
{
    SRunner *sr = srunner_create(NULL);
#define HP_SUITE(fn) srunner_add_suite(sr, fn());
#include "suites.h"
#undef HP_SUITE
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
