/* SPDX-License-Identifier: Apache-2.0 */
/* EVE JSON output (Suricata-compatible). Events go to a struct log_file
 * (output/logfile.h: a regular file, a unix socket or syslog), shared by the
 * workers; each worker formats events with its own struct eve_writer into a
 * reused buffer, so writing an event takes no allocation in steady state.
 *
 * With buffer_size 0 (Suricata's default `buffer-size: 0`) every event is
 * written at once as one whole line with one write(2): a reader tailing the
 * file sees each event as soon as it happens and never half a line. With a
 * buffer (per worker and output), complete lines collect up to buffer_size bytes and are written
 * when it is full or when the owner calls eve_writer_flush(): the sensor
 * does so at least once a second, before reopening the files on SIGHUP
 * (one thread) and at exit. A write(2) per event was 18 % of the CPU of a
 * run without rules. */
#ifndef VIGIL_OUTPUT_EVE_H
#define VIGIL_OUTPUT_EVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/packet.h"
#include "output/logfile.h"
#include "util/json.h"

struct flow;

struct eve_options {
    bool community_id;      /* add "community_id" to events that have a flow */
    uint16_t community_id_seed;
    bool ethernet;          /* add "ether" (MAC addresses) to events */
    uint32_t buffer_size;   /* 0: write every event at once; else batch up to this many bytes */
    const char *sensor_name; /* "host" in every event (Suricata's sensor-name), or NULL */
    bool pcap_file;         /* "pcap_filename" in pcap file mode (eve-log pcap-file: yes) */
};

/* MAC addresses a flow has seen, for the flow record's "ether" object
 * (kept in flow->output_state when eve_options.ethernet is on). */
#define EVE_FLOW_MACS_MAX 4
struct eve_flow_macs {
    uint8_t src[EVE_FLOW_MACS_MAX][6], dst[EVE_FLOW_MACS_MAX][6];
    uint8_t nsrc, ndst;
};
/* Records the packet's MAC addresses in the flow (allocates the set on first
 * use; freed with eve_flow_macs_free). */
void eve_flow_macs_track(struct flow *f, const struct packet *p);
void eve_flow_macs_free(struct flow *f);

struct eve_writer {
    struct log_file *file;
    struct json_writer json;   /* the event being written */
    char *batch;               /* complete lines not yet written (buffer_size > 0) */
    size_t batch_len, batch_cap;
    struct eve_options options;
    bool in_event;
    uint64_t events_written;
    /* Set by the owner as capture goes on (NULL when unknown). */
    const char *in_iface;      /* "in_iface": the live interface of the packet */
    const char *pcap_filename; /* "pcap_filename" when options.pcap_file */
    /* Set just before eve_event_begin to write these instead of the
     * addresses (XFF overwrite mode); cleared by it. NULL: no override. */
    const char *override_src_ip, *override_dest_ip;
    /* Adds the flow's detection variables (traffic, metadata.flowbits) to
     * every event of a flow; NULL without detection. */
    void (*flow_vars)(const void *user, const struct flow *f, struct json_writer *w);
    const void *flow_vars_user;
};

int eve_writer_init(struct eve_writer *ew, struct log_file *file, const struct eve_options *opts);
/* Writes the batched lines (nothing to do with buffer_size 0). */
void eve_writer_flush(struct eve_writer *ew);
/* Flushes, then frees the writer's buffers (not the file). */
void eve_writer_free(struct eve_writer *ew);

/* Which way round src/dest are written. */
enum eve_direction {
    EVE_DIR_PACKET, /* as the packet travelled */
    EVE_DIR_FLOW,   /* as the flow's client -> server */
    EVE_DIR_FLOW_REVERSED, /* server -> client (e.g. a DNS response) */
};

/* Starts an event and writes Suricata's common header: timestamp, flow_id,
 * pcap_cnt, event_type, vlan, src/dest ip and port (or icmp type/code), proto,
 * community_id. packet and flow may each be NULL (stats events have neither).
 * ts_usec is used when packet is NULL. Returns the writer positioned inside
 * the top-level object; finish with eve_event_end(). */
struct json_writer *eve_event_begin(struct eve_writer *ew, const char *event_type,
                                    const struct packet *packet, const struct flow *flow,
                                    enum eve_direction dir, uint64_t ts_usec);
/* Closes the event and queues the line. */
void eve_event_end(struct eve_writer *ew);

/* Suricata's textual timestamp: "2024-01-31T12:00:00.123456+0000" in the
 * local time zone (TZ). out must hold 40 bytes. */
void eve_format_timestamp(uint64_t ts_usec, char *out, size_t outlen);
/* "TCP", "UDP", "ICMP", "IPv6-ICMP", ... or the number. */
const char *eve_proto_name(uint8_t proto, char *buf, size_t buflen);
/* Writes an IP address in Suricata's form (IPv6 compressed as inet_ntop does). */
void eve_format_ip(const struct ip_address *a, char *out, size_t outlen);

/* The "flow" event for a flow that ended (reason from f->end_reason).
 * app_proto_ts/tc/orig are written when given (Suricata writes them when a
 * direction's protocol differs from the flow's, or after a protocol change). */
struct eve_flow_protos {
    const char *app_proto, *app_proto_ts, *app_proto_tc, *app_proto_orig;
};
void eve_log_flow(struct eve_writer *ew, const struct flow *f, const struct eve_flow_protos *protos);

/* An "anomaly" event. type is "decode", "stream" or "applayer"; event is the
 * full name as Suricata writes it ("decoder.ipv4.trunc_pkt",
 * "stream.pkt_invalid_ack"); layer/app_proto only for applayer. */
void eve_log_anomaly(struct eve_writer *ew, const struct packet *p, const struct flow *f,
                     const char *type, const char *event, const char *app_proto,
                     const char *layer);

#endif
