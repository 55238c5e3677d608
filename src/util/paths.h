/* SPDX-License-Identifier: Apache-2.0 */
/* Where vigil finds its data files (classification.config,
 * reference.config, threshold.config, vigil.yaml), as Suricata does:
 *   1. the path the configuration names (e.g. classification-file), if any;
 *   2. the system configuration directory chosen at build time
 *      (VIGIL_SYSCONFDIR, e.g. /etc/vigil);
 *   3. the directory of the configuration file in use (-c);
 *   4. the etc/ directory of the source tree the binary was built from, so
 *      a developer's build/vigil finds the shipped files without installing.
 * Build-time directories are also what --build-info reports. */
#ifndef VIGIL_UTIL_PATHS_H
#define VIGIL_UTIL_PATHS_H

#include <stdbool.h>
#include <stddef.h>

/* Build-time directories ("--prefix", "--sysconfdir", ... of --build-info). */
const char *vigil_prefix_dir(void);
const char *vigil_sysconf_dir(void);      /* e.g. /etc: the parent of vigil_config_dir() */
const char *vigil_config_dir(void);       /* e.g. /etc/vigil */
const char *vigil_localstate_dir(void);   /* e.g. /var */
const char *vigil_dataroot_dir(void);     /* e.g. /usr/share */
const char *vigil_source_etc_dir(void);   /* the source tree's etc/ */

/* Looks for `name` (e.g. "classification.config") in steps 2-4 above, with
 * config_file the -c file or NULL. Writes the first readable path to out and
 * returns true; false if none. */
bool vigil_find_data_file(const char *name, const char *config_file, char *out, size_t outlen);

/* A path from a configuration value: absolute as is; relative to the
 * current directory if it exists there, else to the configuration file's
 * directory (how Suricata users write "classification.config" next to
 * suricata.yaml). */
void vigil_config_relative_path(const char *value, const char *config_file, char *out,
                                size_t outlen);

#endif
