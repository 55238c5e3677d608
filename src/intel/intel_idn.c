/* SPDX-License-Identifier: Apache-2.0 */
#include "intel/intel_idn.h"

#include <pthread.h>
#include <unicode/uidna.h>

/* One UIDNA object, created once; ICU documents it as thread-safe for
 * concurrent use once opened. */
static UIDNA *idna;
static pthread_once_t idna_once = PTHREAD_ONCE_INIT;

static void idna_open(void)
{
    UErrorCode e = U_ZERO_ERROR;
    idna = uidna_openUTS46(UIDNA_NONTRANSITIONAL_TO_ASCII | UIDNA_NONTRANSITIONAL_TO_UNICODE, &e);
    if (U_FAILURE(e))
        idna = NULL;
}

static int convert(int to_ascii, const char *name, size_t len, char *out, size_t cap)
{
    pthread_once(&idna_once, idna_open);
    if (!idna || cap < 2 || len > 1024)
        return -1;
    UErrorCode e = U_ZERO_ERROR;
    UIDNAInfo info = UIDNA_INFO_INITIALIZER;
    int32_t n = to_ascii ? uidna_nameToASCII_UTF8(idna, name, (int32_t)len, out,
                                                  (int32_t)cap - 1, &info, &e)
                         : uidna_nameToUnicodeUTF8(idna, name, (int32_t)len, out,
                                                   (int32_t)cap - 1, &info, &e);
    /* Errors that only concern DNS length limits or hyphen placement are
     * tolerated: the wire carries such names too. */
    uint32_t fatal = info.errors & ~(uint32_t)(UIDNA_ERROR_EMPTY_LABEL | UIDNA_ERROR_LABEL_TOO_LONG |
                                              UIDNA_ERROR_DOMAIN_NAME_TOO_LONG |
                                              UIDNA_ERROR_LEADING_HYPHEN |
                                              UIDNA_ERROR_TRAILING_HYPHEN | UIDNA_ERROR_HYPHEN_3_4 |
                                              UIDNA_ERROR_BIDI | UIDNA_ERROR_CONTEXTJ);
    if (U_FAILURE(e) || fatal || n <= 0 || n >= (int32_t)cap)
        return -1;
    out[n] = '\0';
    return n;
}

int intel_idn_to_ascii(const char *name, size_t len, char *out, size_t cap)
{
    return convert(1, name, len, out, cap);
}

int intel_idn_to_unicode(const char *name, size_t len, char *out, size_t cap)
{
    return convert(0, name, len, out, cap);
}
