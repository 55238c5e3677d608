/* SPDX-License-Identifier: Apache-2.0 */
/* Minimal unit-test support: CHECK() records a failure and goes on, so one
 * run reports every broken expectation; TEST_MAIN_END returns non-zero if any
 * failed. Tests are plain executables run by ctest. */
#ifndef VIGIL_TEST_H
#define VIGIL_TEST_H

#include <stdio.h>
#include <string.h>
#include <stdlib.h>

static int test_failures;
static int test_checks;

#define CHECK(cond)                                                            \
  do {                                                                         \
    test_checks++;                                                             \
    if (!(cond)) {                                                             \
      test_failures++;                                                         \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                          \
  } while (0)

#define CHECK_EQ_INT(a, b)                                                     \
  do {                                                                         \
    long long check_a_ = (long long)(a), check_b_ = (long long)(b);            \
    test_checks++;                                                             \
    if (check_a_ != check_b_) {                                                \
      test_failures++;                                                         \
      fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n",        \
              __FILE__, __LINE__, #a, #b, check_a_, check_b_);                 \
    }                                                                          \
  } while (0)

#define CHECK_EQ_STR(a, b)                                                     \
  do {                                                                         \
    const char *check_a_ = (a), *check_b_ = (b);                               \
    test_checks++;                                                             \
    if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) {          \
      test_failures++;                                                         \
      fprintf(stderr, "%s:%d: CHECK failed: %s == %s (\"%s\" != \"%s\")\n",    \
              __FILE__, __LINE__, #a, #b, check_a_ ? check_a_ : "(null)",      \
              check_b_ ? check_b_ : "(null)");                                 \
    }                                                                          \
  } while (0)

#define TEST_MAIN_END()                                                        \
  do {                                                                         \
    fprintf(stderr, "%d checks, %d failed\n", test_checks, test_failures);     \
    return test_failures ? 1 : 0;                                              \
  } while (0)

#endif
