/* SPDX-License-Identifier: Apache-2.0 */
/* Alert output: EVE "alert" events in Suricata's shape, and the classic
 * one-line fast.log. */
#ifndef VIGIL_OUTPUT_ALERT_H
#define VIGIL_OUTPUT_ALERT_H

#include <stdbool.h>
#include <stddef.h>

#include "output/eve.h"

struct detect_alert;
struct detect_engine;
struct flow;

struct alert_log_options {
    bool payload;            /* "payload" (base64) */
    bool payload_printable;  /* "payload_printable" */
    bool packet;             /* "packet" (base64 of the frame) */
    bool app_layer;          /* the transaction's protocol object (metadata.app-layer) */
    bool vigil_protocols;    /* also for protocols Suricata has none for (vigil-protocols) */
    bool flow;               /* the "flow" counters object */
    bool rule_metadata;      /* "metadata" from the rule */
    bool tagged_packets;     /* tagged packets as "packet" events (tagged-packets) */
    /* xff: the client address from an HTTP proxy header, for alerts on HTTP
     * flows: "extra-data" adds alert.xff, "overwrite" writes it as the
     * client's address (src_ip to the server, dest_ip to the client). */
    enum { ALERT_XFF_OFF = 0, ALERT_XFF_EXTRA_DATA, ALERT_XFF_OVERWRITE } xff_mode;
    bool xff_forward;        /* deployment forward: first address; reverse: last */
    char xff_header[64];     /* default X-Forwarded-For */
    /* Prevention: ips is set when the engine runs inline (NFQUEUE, AF_PACKET
     * ips mode, --simulate-ips): alert.action is then "blocked" for drop
     * rules too (reject rules are "blocked" in both modes, as Suricata
     * writes them). verdict: Suricata's alert.verdict object (verdict: yes). */
    bool ips;
    bool verdict;
};

void alert_log_options_defaults(struct alert_log_options *o);

/* One EVE alert event for alert a on packet p. */
void eve_log_alert(struct eve_writer *ew, const struct alert_log_options *opts,
                   const struct packet *p, const struct flow *f, const struct detect_alert *a,
                   const struct detect_engine *de);

/* A "packet" event (Suricata's form for tagged packets): the header, the
 * frame as base64 and packet_info. Nothing for pseudo packets. */
/* As eve_log_alert, with what happened to the packet: packet_actions are the
 * enum detect_action_bit of its final verdict (for alert.verdict). */
void eve_log_alert_verdict(struct eve_writer *ew, const struct alert_log_options *opts,
                           const struct packet *p, const struct flow *f,
                           const struct detect_alert *a, const struct detect_engine *de,
                           uint8_t packet_actions);
/* Suricata's "verdict" object: action drop/alert/pass, and for rejects the
 * reject target and what is sent (tcp-reset, icmp-prohib). */
struct json_writer;
/* "key": base64 of d / Suricata's printable form of d (isprint bytes, \r
 * and \n; others '.'), written in pieces. */
void alert_write_base64(struct json_writer *w, const char *key, const uint8_t *d, size_t n);
void alert_write_printable(struct json_writer *w, const char *key, const uint8_t *d, size_t n);
/* ... with "[N bytes missing]" after the first missing_at bytes when
 * missing (bytes a gap took) */
void alert_write_printable_gap(struct json_writer *w, const char *key, const uint8_t *d, size_t n,
                               uint64_t missing, size_t missing_at);
void alert_write_verdict(struct json_writer *w, uint8_t packet_actions, bool ips, uint8_t proto);

void eve_log_packet(struct eve_writer *ew, const struct packet *p, const struct flow *f);

/* fast.log: a shared log sink (regular file appended to, or a socket), one
 * whole line per alert in one write. */
struct fast_log;
struct fast_log *fast_log_open(const char *path, const struct log_file_options *opts, char *err,
                               size_t errlen);
void fast_log_write(struct fast_log *fl, const struct packet *p, const struct detect_alert *a,
                    const struct detect_engine *de, bool ips);
int fast_log_close(struct fast_log *fl);

#endif
