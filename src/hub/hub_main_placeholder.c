/* SPDX-License-Identifier: Apache-2.0 */
/* Temporary entry point until the hub lands; replaced by src/hub/. */
#include <stdio.h>
#include "hub/hub.h"

int hub_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "vigil: hub: not built yet\n");
    return 1;
}
