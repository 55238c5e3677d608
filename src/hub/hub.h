/* SPDX-License-Identifier: Apache-2.0 */
#ifndef VIGIL_HUB_H
#define VIGIL_HUB_H

/* `vigil hub ...`: argv[0] is "hub". Returns 0, 1 (runtime error), 2 (usage). */
int hub_main(int argc, char **argv);

#endif
