/* SPDX-License-Identifier: Apache-2.0 */
/* Packet sources: pcap/pcapng files and live interfaces through libpcap, and
 * live interfaces through AF_PACKET TPACKET_V3 with fanout. A source hands out
 * zero-copy views of frames; a frame's bytes stay valid until the next
 * capture_next() call on the same source. */
#ifndef VIGIL_CAPTURE_H
#define VIGIL_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum capture_kind {
    CAPTURE_PCAP_FILE, /* name = file path ("-" = stdin) */
    CAPTURE_PCAP_LIVE, /* name = interface, through libpcap */
    CAPTURE_AF_PACKET, /* name = interface, TPACKET_V3 ring, fanout group */
    CAPTURE_NFQUEUE,   /* name = netfilter queue number: inline, every packet
                        * gets a verdict (capture_verdict) */
};

/* NFQUEUE (inline) settings, Suricata's nfq: section. */
struct capture_nfq_options {
    bool fail_open;            /* the kernel accepts packets while the queue is full */
    uint32_t queue_maxlen;     /* packets queued in the kernel at most (0: kernel default) */
    enum { CAPTURE_NFQ_ACCEPT = 0, CAPTURE_NFQ_REPEAT, CAPTURE_NFQ_ROUTE } mode;
    uint32_t repeat_mark, repeat_mask; /* repeat: accepted packets get this mark */
    uint16_t route_queue;      /* route: accepted packets go to this queue */
};

/* AF_PACKET inline (Suricata's af-packet copy-mode): frames of the
 * interface go out on copy_iface and those of copy_iface go out on the
 * interface; one source reads both so a flow's two directions meet in one
 * worker. ips: a frame is forwarded when its verdict accepts it; tap: every
 * frame is forwarded whatever the verdict. */
enum capture_copy_mode { CAPTURE_COPY_NONE = 0, CAPTURE_COPY_IPS, CAPTURE_COPY_TAP };

struct capture_options {
    enum capture_kind kind;
    const char *name;
    const char *bpf_filter;    /* NULL or a BPF expression (-F) */
    /* live: 0 = sized from the interface (MTU plus link header and two VLAN
     * tags, or the largest packet receive/segmentation offloads can build:
     * see capture_size_warning()) */
    uint32_t snaplen;
    bool promiscuous;          /* live */
    uint16_t fanout_group;     /* AF_PACKET: sockets with the same group share load; 0 = none */
    uint16_t fanout_type;      /* AF_PACKET: PACKET_FANOUT_HASH (0, default), _CPU, _QM, _LB, _RND */
    bool fanout_no_defrag;     /* AF_PACKET: no PACKET_FANOUT_FLAG_DEFRAG */
    uint32_t ring_block_size;  /* AF_PACKET: 0 = default (1 MiB); raised to hold a whole frame */
    uint32_t ring_block_count; /* AF_PACKET: 0 = default (64, or from ring_frames) */
    uint32_t ring_frames;      /* AF_PACKET: frames the ring should hold (Suricata's ring-size) */
    uint32_t block_timeout_ms; /* AF_PACKET: a partly filled block is handed over after this */
    uint32_t buffer_size;      /* libpcap live: kernel buffer bytes (0 = 64 MiB) */
    /* live: capture_next returns CAPTURE_TIMEOUT after this (default 100) */
    uint32_t poll_timeout_ms;
    /* Optional: link types the decoder accepts (e.g. decode_datalink_supported).
     * A source opens if its link type is in capture's own list (Ethernet,
     * Linux cooked v1/v2, raw IP, IPv4, IPv6, BSD null/loop) or this returns
     * true. Passed as a pointer so capture does not depend on decode. */
    bool (*datalink_supported)(int datalink);
    /* Capture files that are not regular files (stdin, a FIFO): a read
     * waits for data at most poll_timeout_ms at a time (default 100) and
     * calls idle(idle_arg) whenever it waited that long or a signal came;
     * idle returning true ends the input (capture_open fails, capture_next
     * returns CAPTURE_END). Lets the caller act on signals and do periodic
     * work while a writer is silent, even in the middle of a record. NULL:
     * only capture_break ends the wait. Called on the thread reading. */
    bool (*idle)(void *idle_arg);
    void *idle_arg;
    struct capture_nfq_options nfq;   /* CAPTURE_NFQUEUE */
    /* CAPTURE_AF_PACKET inline: the other interface of the pair and its
     * own fanout group (groups belong to one interface). */
    enum capture_copy_mode copy_mode;
    const char *copy_iface;
    uint16_t copy_fanout_group;
};

struct capture_frame {
    const uint8_t *data;
    uint32_t caplen, wirelen;
    uint64_t ts_usec;
    int datalink;
};

enum capture_result {
    CAPTURE_OK = 1,       /* *frame filled */
    CAPTURE_END = 0,      /* end of file, or capture_break() was called */
    CAPTURE_TIMEOUT = -1, /* live: nothing within the poll timeout; call again */
    CAPTURE_ERROR = -2,   /* unrecoverable; capture_error() says why (names file and byte offset) */
};

struct capture_stats {
    uint64_t packets; /* frames handed out */
    uint64_t bytes;
    uint64_t kernel_drops; /* live: dropped by the kernel / ring full */
    uint64_t if_drops;
    uint64_t forwarded;    /* inline AF_PACKET: frames sent on to the other interface */
    uint64_t tx_errors;    /* ... that could not be sent (or were cut by the snaplen) */
    uint64_t injected;     /* frames vigil made (reject: TCP resets, ICMP unreachables) */
};

struct capture_source;

/* Opens a source. On failure returns NULL and writes a one-line reason that
 * names the file or interface into err (missing file, unsupported link type,
 * bad BPF filter, permission). The caller frees with capture_close(). */
struct capture_source *capture_open(const struct capture_options *opts, char *err, size_t errlen);

/* Next frame. A truncated or corrupt file yields every readable frame, then
 * CAPTURE_ERROR with capture_error() naming the file and byte offset. */
enum capture_result capture_next(struct capture_source *src, struct capture_frame *frame);

/* Link type of the source (DLT_*). */
int capture_datalink(const struct capture_source *src);
const char *capture_error(const struct capture_source *src);
/* Current statistics (live sources ask the kernel). */
void capture_get_stats(struct capture_source *src, struct capture_stats *out);
/* Safe from a signal handler or another thread: makes capture_next() return
 * CAPTURE_END promptly. */
void capture_break(struct capture_source *src);
/* Inline sources (NFQUEUE): the verdict on the frame capture_next returned
 * last - accepted (forwarded) or dropped. A frame left without a verdict is
 * accepted by the next capture_next. No-op for passive sources. */
void capture_verdict(struct capture_source *src, bool drop);
/* Whether the source is inline (its frames need a verdict). */
bool capture_is_inline(const struct capture_source *src);
/* Inline sources: sends a frame vigil built (a TCP reset, an ICMP
 * unreachable) in the source's link type (capture_datalink). back: towards
 * the sender of the frame capture_next returned last (out of the interface
 * it came in on), else onwards (out of the interface it would be forwarded
 * to). NFQUEUE sources send IP packets through a raw socket (the routing
 * table picks the way). 0, or a negative errno. */
int capture_inject(struct capture_source *src, bool back, const uint8_t *frame, uint32_t len);
void capture_close(struct capture_source *src);

/* True if libpcap can open the name as a file without reading it (used by the
 * CLI to report a missing file before starting workers). */
bool capture_file_exists(const char *path);

/* True once the source failed (capture_next returned CAPTURE_ERROR). */
bool capture_failed(const struct capture_source *src);
/* Live sources: the snaplen in use and why, e.g. "interface eth0: GRO and
 * LRO are on: ..." when offloads make packets larger than the MTU (empty
 * when there is nothing to say). */
uint32_t capture_snaplen(const struct capture_source *src);
const char *capture_size_warning(const struct capture_source *src);

/* The snaplen a live interface needs: its MTU plus the link header and two
 * VLAN tags, or more when receive offloads (GRO, LRO) or segmentation
 * offloads (TSO, GSO: outgoing packets of this host) build larger packets;
 * warn (at least 256 bytes) says so. Never below 1518 nor above 262144. */
uint32_t capture_interface_snaplen(const char *ifname, char *warn, size_t warnlen);

/* True if the link type is in capture's built-in list of supported types. */
bool capture_datalink_supported(int datalink);

#endif
