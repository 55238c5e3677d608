/* SPDX-License-Identifier: Apache-2.0 */
/* Internationalised domain names (ICU's UTS #46 IDNA): indicators written in
 * Unicode are matched in their ASCII (punycode) form, as names travel in DNS,
 * TLS and HTTP; look-alike detection decodes punycode back to Unicode. */
#ifndef VIGIL_INTEL_IDN_H
#define VIGIL_INTEL_IDN_H

#include <stddef.h>

/* UTF-8 name to its ASCII form ("xn--..." labels). Returns the length written
 * to out (NUL-terminated), or -1 if IDNA rejects the name. */
int intel_idn_to_ascii(const char *name, size_t len, char *out, size_t cap);
/* ASCII name with "xn--" labels to UTF-8. Returns the length, or -1 (invalid
 * punycode: the caller keeps the ASCII form). */
int intel_idn_to_unicode(const char *name, size_t len, char *out, size_t cap);

#endif
