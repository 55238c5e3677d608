/* SPDX-License-Identifier: Apache-2.0 */
#ifndef VIGIL_HUB_ADMIN_H
#define VIGIL_HUB_ADMIN_H

/* `vigil hub admin ...` with argv[0] == "admin". Returns 0, 1 or 2. */
int hub_admin_main(int argc, char **argv);

#endif
