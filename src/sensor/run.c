/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include "sensor/sensor.h"

int sensor_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "vigil: run: not built yet\n");
    return 1;
}
