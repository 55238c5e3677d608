/* SPDX-License-Identifier: Apache-2.0 */
/* The information options of `vigil run` (Suricata's): -V, --build-info,
 * --list-app-layer-protos, --list-keywords, --list-runmodes.
 *
 * -V and --build-info print Suricata's formats so that tools which ask
 * Suricata what it is (suricata-update reads "This is Suricata version",
 * "Features:", "--prefix", "--sysconfdir", "--localstatedir",
 * "--datarootdir") work with vigil: the version given there is the Suricata
 * release whose rules, configuration and EVE output vigil follows, and the
 * line says it is vigil. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "app/app.h"
#include "detect/rule_set.h"
#include "sensor/sensor_internal.h"
#include "util/paths.h"

#ifndef VIGIL_VERSION_STRING
#define VIGIL_VERSION_STRING "0.0.0"
#endif
#ifndef VIGIL_SURICATA_COMPAT
#define VIGIL_SURICATA_COMPAT "8.0.0"
#endif

void sensor_print_version(void)
{
    printf("This is Suricata version %s RELEASE (vigil %s, a Suricata-compatible IDS)\n",
           VIGIL_SURICATA_COMPAT, VIGIL_VERSION_STRING);
}

void sensor_print_build_info(void)
{
    sensor_print_version();
    printf("Features: PCAP_SET_BUFF AF_PACKET HAVE_PACKET_FANOUT HAVE_HTP_URI_NORMALIZE_HOOK "
           "PCRE_JIT HAVE_JA3 HAVE_JA4 HAVE_LIBJANSSON TLS TLS_C11 "
#ifdef VIGIL_HAVE_MAGIC
           "MAGIC "
#endif
#ifdef VIGIL_HAVE_NFQ
           "NFQ "
#endif
#ifdef VIGIL_HAVE_LUA
           "HAVE_LUA "
#endif
           "RUST\n");
    printf("SIMD support: none\n");
    printf("Atomic intrinsics: 1 2 4 8 byte(s)\n");
    printf("%d-bits, %s-endian architecture\n", (int)(sizeof(void *) * 8),
           __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? "Little" : "Big");
#if defined(__clang__)
    printf("Clang version %s, C version %ld\n", __clang_version__, (long)__STDC_VERSION__);
#elif defined(__GNUC__)
    printf("GCC version %s, C version %ld\n", __VERSION__, (long)__STDC_VERSION__);
#endif
#ifdef _FORTIFY_SOURCE
    printf("compiled with _FORTIFY_SOURCE=%d\n", _FORTIFY_SOURCE);
#else
    printf("compiled without _FORTIFY_SOURCE\n");
#endif
    printf("thread local storage method: _Thread_local\n");
    printf("compiled with %s\n", pcap_lib_version());
    printf("\nvigil configuration (Suricata build-info layout):\n");
    printf("  AF_PACKET support:                       yes\n");
    printf("  libpcap support:                         yes\n");
    printf("  Hyperscan support:                       yes\n");
    printf("  libmagic support:                        %s\n",
#ifdef VIGIL_HAVE_MAGIC
           "yes"
#else
           "no"
#endif
    );
#ifdef VIGIL_HAVE_NFQ
    printf("  NFQueue support:                         yes\n");
#else
    printf("  NFQueue support:                         no\n");
#endif
    printf("  Unix socket enabled:                     no\n");
#ifdef VIGIL_HAVE_LUA
    printf("  Lua support:                             yes\n");
#else
    printf("  Lua support:                             no\n");
#endif
    printf("\n");
    printf("  --prefix                                 %s\n", vigil_prefix_dir());
    printf("  --sysconfdir                             %s\n", vigil_sysconf_dir());
    printf("  --localstatedir                          %s\n", vigil_localstate_dir());
    printf("  --datarootdir                            %s\n", vigil_dataroot_dir());
    printf("  configuration directory                  %s\n", vigil_config_dir());
}

void sensor_print_app_layer_protos(void)
{
    printf("=========Supported App Layer Protocols=========\n");
    const char *seen[64];
    size_t nseen = 0;
    for (size_t i = 0;; i++) {
        const char *name = app_layer_parser_name(i);
        if (!name)
            break;
        if (!*name)
            continue;
        bool dup = false;
        for (size_t j = 0; j < nseen; j++)
            if (strcmp(seen[j], name) == 0)
                dup = true;
        if (dup)
            continue;
        if (nseen < sizeof seen / sizeof seen[0])
            seen[nseen++] = name;
        printf("%s\n", name);
    }
}

struct kw_list {
    const char *mode; /* NULL: names; "csv"; or one keyword */
    bool found;
};

static void print_keyword(const char *name, const char *kind, void *user)
{
    struct kw_list *l = user;
    if (!l->mode || strcmp(l->mode, "all") == 0) {
        printf("- %s\n", name);
    } else if (strcmp(l->mode, "csv") == 0) {
        printf("%s;%s;;;\n", name, kind);
    } else if (strcmp(l->mode, name) == 0) {
        printf("= %s =\nType: %s\n", name, kind);
        l->found = true;
    }
}

int sensor_print_keywords(const char *mode)
{
    struct kw_list l = {.mode = mode};
    if (!mode || strcmp(mode, "all") == 0)
        printf("=====Supported keywords=====\n");
    else if (strcmp(mode, "csv") == 0)
        printf("name;type;app layer;features;documentation\n");
    rule_keywords_foreach(print_keyword, &l);
    if (mode && strcmp(mode, "all") != 0 && strcmp(mode, "csv") != 0 && !l.found) {
        fprintf(stderr, "vigil: keyword '%s' is not supported\n", mode);
        return 1;
    }
    return 0;
}

void sensor_print_runmodes(void)
{
    printf("------------------------------------- Runmodes -------------------------------------\n");
    printf("| RunMode Type      | Custom Mode       | Description\n");
    printf("| PCAP_DEV          | single            | one thread reads and inspects\n");
    printf("|                   | autofp            | one reader, flows spread over --threads workers\n");
    printf("| PCAP_FILE         | single            | one thread, deterministic output (default)\n");
    printf("|                   | autofp            | one reader, flows spread over --threads workers\n");
    printf("| AF_PACKET_DEV     | single            | one socket, one thread\n");
    printf("|                   | workers           | one fanout socket per worker thread\n");
}
