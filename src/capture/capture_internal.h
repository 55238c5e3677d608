/* SPDX-License-Identifier: Apache-2.0 */
/* Private to src/capture: the source object shared by the libpcap backends
 * (capture.c) and the AF_PACKET TPACKET_V3 backend (capture_afpacket.c). */
#ifndef VIGIL_CAPTURE_INTERNAL_H
#define VIGIL_CAPTURE_INTERNAL_H

#include <pcap/pcap.h>
#include <stdatomic.h>
#include <stdio.h>

#include "capture/capture.h"

#define CAPTURE_DEFAULT_SNAPLEN 65535u
#define CAPTURE_MAX_SNAPLEN 262144u /* libpcap's MAXIMUM_SNAPLEN */
#define CAPTURE_DEFAULT_BLOCK_SIZE (1u << 20)
#define CAPTURE_DEFAULT_BLOCK_COUNT 64u
#define CAPTURE_DEFAULT_POLL_MS 100u
#define CAPTURE_NAME_MAX 4096
#define CAPTURE_ERR_MAX 768

struct capture_source {
    enum capture_kind kind;
    int datalink;
    uint32_t snaplen;
    uint32_t poll_timeout_ms;
    /* Set by capture_break (signal handler or another thread). */
    atomic_int broken;
    /* eventfd written by capture_break so a blocked poll() wakes at once; -1 for files. */
    int wake_fd;
    bool failed; /* an error was reported; every later call reports it again */
    struct capture_stats stats;
    char name[CAPTURE_NAME_MAX];
    char err[CAPTURE_ERR_MAX];
    char size_warning[CAPTURE_ERR_MAX]; /* live: why the snaplen exceeds the MTU */

    /* libpcap backends */
    pcap_t *pcap;
    FILE *file;       /* owned by pcap (pcap_close closes it) */
    char *file_buf;   /* stdio buffer of file, freed after pcap_close */
    long good_offset; /* file offset just past the last record read, -1 if unknown */
    int pcap_fd;      /* live: selectable fd */
    bool stopped;     /* pipe input: the idle callback asked to stop (or capture_break) */

    /* AF_PACKET backend */
    int sock;
    unsigned ifindex;
    uint8_t *ring;
    size_t ring_size;
    uint32_t block_size, block_count, block_index;
    void *held_block;     /* block owned by us whose frames are being handed out */
    uint32_t frames_left; /* frames of held_block not handed out yet */
    uint8_t *next_frame;
    uint8_t *scratch;   /* VLAN re-insertion buffer, block_size + 4 bytes */
    uint64_t afp_drops; /* PACKET_STATISTICS resets on read: accumulated here */
    uint64_t afp_freezes;

    /* AF_PACKET inline (capture_afp_inline.c): TPACKET_V2 ring (a frame
     * is handed over as soon as it arrives), the pair's other interface,
     * and the frame handed out last, waiting for its verdict. */
    enum capture_copy_mode copy_mode;
    bool v2;
    uint32_t frame_size, frame_count, frame_index, frames_per_block;
    void *held_frame;                 /* tpacket2_hdr owned by us */
    struct capture_source *peer;      /* the copy-iface (owned) */
    struct capture_source *last_from; /* this source or peer: where the last frame came in */
    const uint8_t *last_data;
    uint32_t last_len;
    bool last_cut, verdict_pending, prefer_peer;

    /* NFQUEUE backend (capture_nfq.c) */
    struct capture_nfq *nfq;
};

/* Writes the one-line reason capture_error() returns. */
void capture_set_error(struct capture_source *src, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Both return 0 or a negative errno and fill src->err on failure. */
int capture_afpacket_open(struct capture_source *src, const struct capture_options *opts);
enum capture_result capture_afpacket_next(struct capture_source *src, struct capture_frame *frame);
void capture_afpacket_stats(struct capture_source *src, struct capture_stats *out);
void capture_afpacket_close(struct capture_source *src);

/* Waits up to timeout_ms for fd (or the wake eventfd) to become readable.
 * Returns 1 readable, 0 timeout, -1 broken (capture_break), -errno on error. */
int capture_nfq_open(struct capture_source *src, const struct capture_options *opts);
enum capture_result capture_nfq_next(struct capture_source *src, struct capture_frame *frame);
void capture_nfq_verdict(struct capture_source *src, bool drop);
void capture_nfq_close(struct capture_source *src);

int capture_wait_readable(struct capture_source *src, int fd, int timeout_ms);

/* AF_PACKET inline (capture_afp_inline.c). */
int capture_afp_inline_ring(struct capture_source *src, const struct capture_options *opts);
int capture_afp_inline_open_peer(struct capture_source *src, const struct capture_options *opts);
enum capture_result capture_afp_inline_next(struct capture_source *src,
                                            struct capture_frame *frame);
void capture_afp_inline_verdict(struct capture_source *src, bool drop);
int capture_afp_inline_inject(struct capture_source *src, bool back, const uint8_t *frame,
                              uint32_t len);
void capture_afp_inline_close(struct capture_source *src);
/* Puts a VLAN tag the kernel stripped back in front of the EtherType (in
 * src->scratch); returns the frame to hand out. */
const uint8_t *capture_afp_vlan_restore(struct capture_source *src, const uint8_t *data,
                                        uint32_t *caplen, uint32_t *wirelen, uint16_t tpid,
                                        uint16_t tci);
int capture_nfq_inject(struct capture_source *src, const uint8_t *pkt, uint32_t len);

#endif
