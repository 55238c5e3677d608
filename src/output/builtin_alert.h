/* SPDX-License-Identifier: Apache-2.0 */
/* Output of built-in detectors' alerts (struct builtin_alert): EVE "alert"
 * events in Suricata's shape and fast.log lines, exactly as rule alerts are
 * written, so SIEM mappings need nothing new (gid tells them apart). */
#ifndef VIGIL_OUTPUT_BUILTIN_ALERT_H
#define VIGIL_OUTPUT_BUILTIN_ALERT_H

#include "output/alert.h"
#include "util/builtin_alert.h"

/* One EVE alert. packet and flow may each be NULL, not both; ts_usec is the
 * event time when packet is NULL. */
void eve_log_builtin_alert(struct eve_writer *ew, const struct alert_log_options *opts,
                           const struct packet *packet, const struct flow *flow,
                           uint64_t ts_usec, const struct builtin_alert *a);

/* One fast.log line (addresses from the packet, else from the flow). */
void fast_log_write_builtin(struct fast_log *fl, const struct packet *packet,
                            const struct flow *flow, uint64_t ts_usec,
                            const struct builtin_alert *a);

#endif
