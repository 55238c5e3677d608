/* SPDX-License-Identifier: Apache-2.0 */
/* AF_PACKET inline: vigil between two interfaces, as Suricata's af-packet
 * copy-mode ips / tap. Frames arriving on one interface go out on the
 * other ("copy-iface") once their verdict accepts them (ips) or whatever
 * the verdict (tap).
 *
 * One source reads both interfaces of the pair, so a flow's two directions
 * meet in one worker (its flow table). With several threads every worker
 * holds one socket of each interface's fanout group; the kernel's flow hash
 * is symmetric and the same on both interfaces, so worker i gets index i of
 * both groups (the sockets join in the same order).
 *
 * The receive rings are TPACKET_V2: the kernel hands each frame over as it
 * arrives and wakes poll() at once (a TPACKET_V3 block is handed over when
 * it is full or its timeout passes, which would hold forwarded packets
 * back). A frame is sent with send(2) on the other interface's socket (the
 * sockets ignore outgoing frames, so a forwarded frame is never read
 * again) straight from the ring, without a copy, and the ring slot is given
 * back on the next capture_next().
 *
 * Frames cut by the snaplen cannot be forwarded whole: they count as
 * tx_errors (turn receive offloads off on inline interfaces, as for
 * Suricata). When vigil is not running nothing forwards: AF_PACKET inline
 * fails closed; fail-open needs a bypass switch (docs/operations.md). */
#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "capture/capture_internal.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif
#define INLINE_DEFAULT_FRAMES 4096u

int capture_afp_inline_ring(struct capture_source *src, const struct capture_options *opts)
{
    /* Outgoing frames of the interface (those vigil forwards or injects,
     * and the host's own) are not read back. */
    int one = 1;
    (void)setsockopt(src->sock, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);

    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0)
        page = 4096;
    /* The kernel puts the network header at TPACKET_ALIGN(hdr + 16). */
    uint32_t frame_size =
        (uint32_t)TPACKET_ALIGN(TPACKET_ALIGN(TPACKET2_HDRLEN + 16) + src->snaplen);
    uint32_t block = opts->ring_block_size ? opts->ring_block_size : CAPTURE_DEFAULT_BLOCK_SIZE;
    if (block % (uint32_t)page) {
        capture_set_error(src,
                          "interface '%s' (af-packet): bad ring: block size %u must be a "
                          "multiple of the page size %ld",
                          src->name, block, page);
        return -EINVAL;
    }
    if (block < frame_size)
        block = (frame_size + (uint32_t)page - 1) / (uint32_t)page * (uint32_t)page;
    uint32_t fpb = block / frame_size;
    uint32_t want = opts->ring_frames ? opts->ring_frames : INLINE_DEFAULT_FRAMES;
    uint32_t blocks = (want + fpb - 1) / fpb;
    if (blocks < 1)
        blocks = 1;
    if ((uint64_t)block * blocks > (1ull << 31))
        blocks = (uint32_t)((1ull << 31) / block);
    struct tpacket_req req = {
        .tp_block_size = block,
        .tp_block_nr = blocks,
        .tp_frame_size = frame_size,
        .tp_frame_nr = fpb * blocks,
    };
    if (setsockopt(src->sock, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) != 0) {
        int e = errno;
        capture_set_error(src, "interface '%s' (af-packet): cannot set up the receive ring "
                          "(PACKET_RX_RING, TPACKET_V2): %s", src->name, strerror(e));
        return -e;
    }
    src->ring_size = (size_t)block * blocks;
    void *ring =
        mmap(NULL, src->ring_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, src->sock, 0);
    if (ring == MAP_FAILED) {
        int e = errno;
        src->ring_size = 0;
        capture_set_error(src, "interface '%s' (af-packet): cannot map the receive ring: %s",
                          src->name, strerror(e));
        return -e;
    }
    src->ring = ring;
    src->v2 = true;
    src->block_size = block;
    src->block_count = blocks;
    src->frame_size = frame_size;
    src->frames_per_block = fpb;
    src->frame_count = fpb * blocks;
    src->frame_index = 0;
    return 0;
}

int capture_afp_inline_open_peer(struct capture_source *src, const struct capture_options *opts)
{
    if (strcmp(opts->copy_iface, opts->name) == 0) {
        capture_set_error(src, "interface '%s' (af-packet): copy-iface is the interface itself",
                          src->name);
        return -EINVAL;
    }
    struct capture_options po = *opts;
    po.name = opts->copy_iface;
    po.copy_iface = NULL;
    po.fanout_group = opts->copy_fanout_group;
    char err[CAPTURE_ERR_MAX];
    src->peer = capture_open(&po, err, sizeof err);
    if (!src->peer) {
        capture_set_error(src, "%s (copy-iface of '%s')", err, src->name);
        return -ENODEV;
    }
    if (capture_datalink(src->peer) != src->datalink) {
        capture_set_error(src, "interface '%s' (af-packet): copy-iface '%s' has another link "
                          "type", src->name, opts->copy_iface);
        return -EINVAL;
    }
    return 0;
}

static struct tpacket2_hdr *frame_at(struct capture_source *s, uint32_t i)
{
    return (struct tpacket2_hdr *)(s->ring + (size_t)(i / s->frames_per_block) * s->block_size +
                                   (size_t)(i % s->frames_per_block) * s->frame_size);
}

static void side_release(struct capture_source *s)
{
    if (!s || !s->held_frame)
        return;
    struct tpacket2_hdr *h = s->held_frame;
    __atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
    s->held_frame = NULL;
    s->frame_index = (s->frame_index + 1) % s->frame_count;
}

/* The next frame of one interface, if one is there (never waits). */
static bool side_take(struct capture_source *src, struct capture_source *s,
                      struct capture_frame *frame)
{
    for (;;) {
        struct tpacket2_hdr *h = frame_at(s, s->frame_index);
        uint32_t status = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
        if (!(status & TP_STATUS_USER))
            return false;
        s->held_frame = h;
        uint32_t caplen = h->tp_snaplen, wirelen = h->tp_len;
        if (h->tp_mac < sizeof *h || h->tp_mac > s->frame_size ||
            caplen > s->frame_size - h->tp_mac) {
            /* never expected: the kernel's header disagrees with the ring */
            s->stats.tx_errors++;
            side_release(s);
            continue;
        }
        const uint8_t *data = (uint8_t *)h + h->tp_mac;
        if (((status & TP_STATUS_VLAN_VALID) || h->tp_vlan_tci) && s->datalink == DLT_EN10MB &&
            caplen >= 12)
            data = capture_afp_vlan_restore(
                s, data, &caplen, &wirelen,
                (status & TP_STATUS_VLAN_TPID_VALID) ? h->tp_vlan_tpid : 0, h->tp_vlan_tci);
        frame->data = data;
        frame->caplen = caplen;
        frame->wirelen = wirelen < caplen ? caplen : wirelen;
        frame->ts_usec = (uint64_t)h->tp_sec * 1000000u + h->tp_nsec / 1000u;
        frame->datalink = s->datalink;
        s->stats.packets++;
        s->stats.bytes += caplen;
        src->last_from = s;
        src->last_data = data;
        src->last_len = caplen;
        src->last_cut = caplen < wirelen;
        src->verdict_pending = true;
        return true;
    }
}

/* A socket reported an error: the link went down (wait for it, as the
 * passive backend does) or the interface is gone. */
static int side_error(struct capture_source *src, struct capture_source *s)
{
    int soerr = 0;
    socklen_t len = sizeof soerr;
    getsockopt(s->sock, SOL_SOCKET, SO_ERROR, &soerr, &len);
    if (soerr == ENETDOWN && if_nametoindex(s->name) == s->ifindex)
        return 0;
    if (soerr == ENETDOWN || soerr == ENXIO || soerr == ENODEV)
        capture_set_error(src, "interface '%s' (af-packet inline): the interface disappeared",
                          s->name);
    else
        capture_set_error(src, "interface '%s' (af-packet inline): capture failed: %s", s->name,
                          strerror(soerr ? soerr : EIO));
    src->failed = true;
    return -1;
}

enum capture_result capture_afp_inline_next(struct capture_source *src,
                                            struct capture_frame *frame)
{
    if (src->verdict_pending) /* left without a verdict: accepted */
        capture_afp_inline_verdict(src, false);
    side_release(src);
    side_release(src->peer);
    int waited = 0;
    for (;;) {
        if (atomic_load_explicit(&src->broken, memory_order_relaxed))
            return CAPTURE_END;
        /* Both interfaces take turns, so neither starves the other. */
        struct capture_source *first = src, *second = src->peer;
        if (src->prefer_peer && src->peer) {
            first = src->peer;
            second = src;
        }
        src->prefer_peer = !src->prefer_peer;
        if (side_take(src, first, frame) || (second && side_take(src, second, frame)))
            return CAPTURE_OK;
        if (waited)
            return CAPTURE_TIMEOUT;
        struct pollfd fds[3] = {
            {.fd = src->sock, .events = POLLIN},
            {.fd = src->wake_fd, .events = POLLIN},
            {.fd = src->peer ? src->peer->sock : -1, .events = POLLIN},
        };
        int n = poll(fds, 3, (int)src->poll_timeout_ms);
        if (atomic_load(&src->broken))
            return CAPTURE_END;
        if (n < 0 && errno != EINTR) {
            capture_set_error(src, "interface '%s' (af-packet inline): poll: %s", src->name,
                              strerror(errno));
            src->failed = true;
            return CAPTURE_ERROR;
        }
        if (n > 0 && (fds[0].revents & (POLLERR | POLLNVAL)) && side_error(src, src) < 0)
            return CAPTURE_ERROR;
        if (n > 0 && (fds[2].revents & (POLLERR | POLLNVAL)) && side_error(src, src->peer) < 0)
            return CAPTURE_ERROR;
        waited = n == 0;
    }
}

void capture_afp_inline_verdict(struct capture_source *src, bool drop)
{
    if (!src->verdict_pending)
        return;
    src->verdict_pending = false;
    if (drop && src->copy_mode == CAPTURE_COPY_IPS)
        return;
    struct capture_source *from = src->last_from;
    struct capture_source *out = from == src ? src->peer : src;
    if (!from || !out)
        return;
    if (src->last_cut) {
        from->stats.tx_errors++;
        return;
    }
    if (send(out->sock, src->last_data, src->last_len, 0) < 0)
        from->stats.tx_errors++;
    else
        from->stats.forwarded++;
}

int capture_afp_inline_inject(struct capture_source *src, bool back, const uint8_t *frame,
                              uint32_t len)
{
    struct capture_source *from = src->last_from ? src->last_from : src;
    struct capture_source *out = back ? from : (from == src ? src->peer : src);
    if (!out)
        return -ENODEV;
    if (send(out->sock, frame, len, 0) < 0)
        return -errno;
    src->stats.injected++;
    return 0;
}

void capture_afp_inline_close(struct capture_source *src)
{
    if (src->verdict_pending)
        capture_afp_inline_verdict(src, false);
    if (src->peer)
        capture_close(src->peer);
    src->peer = NULL;
}
