/* SPDX-License-Identifier: Apache-2.0 */
/* Temporary entry point until the rule parser lands; replaced by src/detect/. */
#include <stdio.h>
#include "detect/rules_cli.h"

int rules_cli_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "vigil: rules: not built yet\n");
    return 1;
}
