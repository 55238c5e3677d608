/* SPDX-License-Identifier: Apache-2.0 */
#ifndef VIGIL_SENSOR_H
#define VIGIL_SENSOR_H

/* `vigil run ...`: argv[0] is "run". Returns 0, 1 (runtime error), 2 (usage). */
int sensor_main(int argc, char **argv);

#endif
