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
};

struct capture_options {
    enum capture_kind kind;
    const char *name;
    const char *bpf_filter;    /* NULL or a BPF expression (-F) */
    uint32_t snaplen;          /* live: 0 = 65535 */
    bool promiscuous;          /* live */
    uint16_t fanout_group;     /* AF_PACKET: sockets with the same group share load; 0 = none */
    uint32_t ring_block_size;  /* AF_PACKET: 0 = default (1 MiB) */
    uint32_t ring_block_count; /* AF_PACKET: 0 = default (64) */
    /* live: capture_next returns CAPTURE_TIMEOUT after this (default 100) */
    uint32_t poll_timeout_ms;
    /* Optional: link types the decoder accepts (e.g. decode_datalink_supported).
     * A source opens if its link type is in capture's own list (Ethernet,
     * Linux cooked v1/v2, raw IP, IPv4, IPv6, BSD null/loop) or this returns
     * true. Passed as a pointer so capture does not depend on decode. */
    bool (*datalink_supported)(int datalink);
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
void capture_close(struct capture_source *src);

/* True if libpcap can open the name as a file without reading it (used by the
 * CLI to report a missing file before starting workers). */
bool capture_file_exists(const char *path);

/* True if the link type is in capture's built-in list of supported types. */
bool capture_datalink_supported(int datalink);

#endif
