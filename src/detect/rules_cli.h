/* SPDX-License-Identifier: Apache-2.0 */
#ifndef VIGIL_DETECT_RULES_CLI_H
#define VIGIL_DETECT_RULES_CLI_H

/* `vigil rules ...`: argv[0] is "rules". Returns 0, 1 (runtime error), 2 (usage). */
int rules_cli_main(int argc, char **argv);

#endif
