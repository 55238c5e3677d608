/* SPDX-License-Identifier: Apache-2.0 */
/* Address and port lists of rule headers and of address/port variables:
 * `any`, `!x`, `[a,b,[c,!d]]`, `$VAR`, CIDR, netmask, `a-b` address ranges,
 * `lo:hi` port ranges. Lists are resolved to sorted disjoint ranges. */
#ifndef VIGIL_DETECT_RULE_ADDR_H
#define VIGIL_DETECT_RULE_ADDR_H

#include <stddef.h>

#include "detect/rule.h"

/* Returns the value of a variable (without '$'), or NULL if undefined. */
typedef const char *(*rule_var_lookup_fn)(void *ctx, const char *name, bool is_port);

/* Parse into *out (owned by the caller: free out->ranges). 0 or -EINVAL with
 * a message in err naming the offending part. */
int rule_addr_parse(const char *text, rule_var_lookup_fn lookup, void *ctx,
                    struct rule_addr_set *out, char *err, size_t errlen);
int rule_port_parse(const char *text, rule_var_lookup_fn lookup, void *ctx,
                    struct rule_port_set *out, char *err, size_t errlen);

#endif
