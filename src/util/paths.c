/* SPDX-License-Identifier: Apache-2.0 */
#include "util/paths.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Set by CMake (GNUInstallDirs); the fallbacks are for builds without it. */
#ifndef VIGIL_PREFIX
#define VIGIL_PREFIX "/usr/local"
#endif
#ifndef VIGIL_SYSCONFDIR
#define VIGIL_SYSCONFDIR "/usr/local/etc"
#endif
#ifndef VIGIL_LOCALSTATEDIR
#define VIGIL_LOCALSTATEDIR "/usr/local/var"
#endif
#ifndef VIGIL_DATAROOTDIR
#define VIGIL_DATAROOTDIR "/usr/local/share"
#endif
#ifndef VIGIL_SOURCE_DIR
#define VIGIL_SOURCE_DIR "."
#endif

const char *vigil_prefix_dir(void)
{
    return VIGIL_PREFIX;
}

const char *vigil_sysconf_dir(void)
{
    return VIGIL_SYSCONFDIR;
}

const char *vigil_config_dir(void)
{
    return VIGIL_SYSCONFDIR "/vigil";
}

const char *vigil_localstate_dir(void)
{
    return VIGIL_LOCALSTATEDIR;
}

const char *vigil_dataroot_dir(void)
{
    return VIGIL_DATAROOTDIR;
}

const char *vigil_source_etc_dir(void)
{
    return VIGIL_SOURCE_DIR "/etc";
}

static bool readable_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, R_OK) == 0;
}

static bool try_dir(const char *dir, const char *name, char *out, size_t outlen)
{
    int n = snprintf(out, outlen, "%s/%s", dir, name);
    return n > 0 && (size_t)n < outlen && readable_file(out);
}

bool vigil_find_data_file(const char *name, const char *config_file, char *out, size_t outlen)
{
    if (try_dir(vigil_config_dir(), name, out, outlen))
        return true;
    if (config_file) {
        const char *slash = strrchr(config_file, '/');
        char dir[4096];
        if (slash)
            snprintf(dir, sizeof dir, "%.*s", (int)(slash - config_file), config_file);
        else
            snprintf(dir, sizeof dir, ".");
        if (try_dir(dir, name, out, outlen))
            return true;
    }
    return try_dir(vigil_source_etc_dir(), name, out, outlen);
}

void vigil_config_relative_path(const char *value, const char *config_file, char *out,
                                size_t outlen)
{
    if (value[0] == '/' || !config_file || readable_file(value)) {
        snprintf(out, outlen, "%s", value);
        return;
    }
    const char *slash = strrchr(config_file, '/');
    if (slash)
        snprintf(out, outlen, "%.*s/%s", (int)(slash - config_file), config_file, value);
    else
        snprintf(out, outlen, "%s", value);
    if (!readable_file(out))
        snprintf(out, outlen, "%s", value); /* report the path as written */
}
