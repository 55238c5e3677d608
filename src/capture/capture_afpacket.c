/* SPDX-License-Identifier: Apache-2.0 */
/* Live capture through an AF_PACKET socket with a TPACKET_V3 receive ring.
 *
 * The kernel fills fixed-size blocks with frames; a block belongs to us once
 * its status has TP_STATUS_USER. We hand out frames in place (zero copy) and
 * give a block back (TP_STATUS_KERNEL) only when all its frames were handed
 * out and the caller asks for the next one, so the last frame stays valid
 * until the next capture_next(). Several sockets in one PACKET_FANOUT group
 * (hash of the flow, defragmented first) split an interface between workers.
 * VLAN tags the kernel stripped are put back into a per-source scratch copy
 * of the frame so the decoder sees the 802.1Q header. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "capture/capture_internal.h"

/* Frames hold the TPACKET_V3 header and a whole packet of the interface
 * (snaplen from its MTU and offloads, see capture_iface.c); blocks hold at
 * least one frame. */
static uint32_t capture_afp_frame_size(uint32_t snaplen)
{
    uint32_t need = (uint32_t)TPACKET_ALIGN(TPACKET3_HDRLEN) + snaplen;
    return (uint32_t)TPACKET_ALIGN(need);
}

static int capture_afp_fail(struct capture_source *src, int rc, const char *what)
{
    capture_set_error(src, "interface '%s' (af-packet): %s: %s", src->name, what, strerror(-rc));
    return rc;
}

/* Compiles the expression for Ethernet on a dead handle and attaches it to
 * the socket before it is bound, so no unfiltered frame is ever queued. The
 * kernel runs the filter on the frame as received, i.e. with any VLAN tag
 * already stripped (see docs/capture.md). */
static int capture_afp_filter(struct capture_source *src, const char *expr)
{
    if (!expr || !*expr)
        return 0;
    pcap_t *dead = pcap_open_dead(src->datalink, (int)src->snaplen);
    if (!dead) {
        capture_set_error(src, "BPF filter '%s' for interface '%s': out of memory", expr,
                          src->name);
        return -ENOMEM;
    }
    struct bpf_program prog;
    if (pcap_compile(dead, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        capture_set_error(src, "BPF filter '%s' for interface '%s': %s", expr, src->name,
                          pcap_geterr(dead));
        pcap_close(dead);
        return -EINVAL;
    }
    /* struct bpf_insn and struct sock_filter have the same layout. */
    _Static_assert(sizeof(struct bpf_insn) == sizeof(struct sock_filter), "bpf layout");
    struct sock_fprog fprog = {
        .len = (unsigned short)prog.bf_len,
        .filter = (struct sock_filter *)prog.bf_insns,
    };
    int rc = 0;
    if (setsockopt(src->sock, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog)) != 0) {
        rc = -errno;
        capture_set_error(src, "BPF filter '%s' for interface '%s': cannot attach to socket: %s",
                          expr, src->name, strerror(errno));
    }
    pcap_freecode(&prog);
    pcap_close(dead);
    return rc;
}

static int capture_afp_datalink(struct capture_source *src)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    memcpy(ifr.ifr_name, src->name, strnlen(src->name, IFNAMSIZ - 1));
    if (ioctl(src->sock, SIOCGIFHWADDR, &ifr) != 0)
        return capture_afp_fail(src, -errno, "cannot read the link type");
    switch (ifr.ifr_hwaddr.sa_family) {
    case ARPHRD_ETHER:
    case ARPHRD_LOOPBACK:
        src->datalink = DLT_EN10MB;
        return 0;
    case ARPHRD_NONE: /* tun and other raw-IP devices */
        src->datalink = DLT_RAW;
        return 0;
    default:
        capture_set_error(src,
                          "interface '%s' (af-packet): unsupported link type (ARPHRD %u); "
                          "use libpcap capture",
                          src->name, (unsigned)ifr.ifr_hwaddr.sa_family);
        return -EPROTONOSUPPORT;
    }
}

static int capture_afp_ring_v3(struct capture_source *src, const struct capture_options *opts)
{
    long page = sysconf(_SC_PAGESIZE);
    uint32_t frame_size = capture_afp_frame_size(src->snaplen);
    src->block_size = opts->ring_block_size ? opts->ring_block_size : CAPTURE_DEFAULT_BLOCK_SIZE;
    if (page <= 0 || src->block_size % (uint32_t)page != 0) {
        capture_set_error(src,
                          "interface '%s' (af-packet): bad ring: block size %u must be a "
                          "multiple of the page size %ld",
                          src->name, src->block_size, page);
        return -EINVAL;
    }
    if (src->block_size < frame_size) {
        /* The configured block cannot hold the largest packet: the block
         * size stays (the operator chose the ring's memory), packets are cut
         * to fit, and the warning says so. */
        uint32_t fit = src->block_size - (uint32_t)TPACKET_ALIGN(TPACKET3_HDRLEN) -
                       TPACKET_ALIGNMENT;
        size_t used = strlen(src->size_warning);
        snprintf(src->size_warning + used, sizeof(src->size_warning) - used,
                 "%sinterface %s: af-packet block-size %u cannot hold packets of %u bytes: "
                 "packets are cut to %u bytes (make block-size at least %u)",
                 used ? "; " : "", src->name, src->block_size, src->snaplen, fit,
                 frame_size <= (1u << 30) ? frame_size : (1u << 30));
        src->snaplen = fit;
        frame_size = capture_afp_frame_size(fit);
    }
    src->block_count =
        opts->ring_block_count ? opts->ring_block_count : CAPTURE_DEFAULT_BLOCK_COUNT;
    if (!opts->ring_block_count && opts->ring_frames) {
        /* Suricata's ring-size: that many frames of this interface's size. */
        uint64_t frames_per_block = src->block_size / frame_size;
        if (frames_per_block == 0)
            frames_per_block = 1;
        uint64_t blocks = (opts->ring_frames + frames_per_block - 1) / frames_per_block;
        src->block_count = blocks < 2 ? 2 : (blocks > 65536 ? 65536 : (uint32_t)blocks);
    }
    if (page <= 0 || src->block_size % (uint32_t)page != 0 || src->block_count > 65536 ||
        (uint64_t)src->block_size * src->block_count > (1ull << 32)) {
        capture_set_error(
            src,
            "interface '%s' (af-packet): bad ring: block size %u (must be a multiple of the "
            "page size %ld), block count %u (at most 65536, 4 GiB in all)",
            src->name, src->block_size, page, src->block_count);
        return -EINVAL;
    }
    struct tpacket_req3 req;
    memset(&req, 0, sizeof(req));
    req.tp_block_size = src->block_size;
    req.tp_block_nr = src->block_count;
    req.tp_frame_size = frame_size;
    req.tp_frame_nr = (src->block_size / frame_size) * src->block_count;
    /* A partly filled block is handed to us after this many ms, so quiet links
     * still deliver promptly and within one poll timeout. */
    uint32_t tov = opts->block_timeout_ms ? opts->block_timeout_ms : src->poll_timeout_ms / 2;
    req.tp_retire_blk_tov = tov < 1 ? 1 : (tov > 100 && !opts->block_timeout_ms ? 100 : tov);
    req.tp_feature_req_word = TP_FT_REQ_FILL_RXHASH;
    if (setsockopt(src->sock, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) != 0)
        return capture_afp_fail(src, -errno, "cannot set up the receive ring (PACKET_RX_RING)");
    src->ring_size = (size_t)src->block_size * src->block_count;
    void *ring =
        mmap(NULL, src->ring_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, src->sock, 0);
    if (ring == MAP_FAILED) {
        src->ring_size = 0;
        return capture_afp_fail(src, -errno, "cannot map the receive ring");
    }
    src->ring = ring;

    return 0;
}

int capture_afpacket_open(struct capture_source *src, const struct capture_options *opts)
{
    if (strlen(opts->name) >= IFNAMSIZ) {
        capture_set_error(src, "interface '%s' (af-packet): name too long", src->name);
        return -EINVAL;
    }
    unsigned ifindex = if_nametoindex(opts->name);
    if (ifindex == 0)
        return capture_afp_fail(src, -errno, "no such interface");
    src->ifindex = ifindex;

    /* Protocol 0: the socket receives nothing until bind(), so the filter and
     * ring are in place before the first frame arrives. */
    src->sock = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (src->sock < 0)
        return capture_afp_fail(src, -errno, "socket");
    int rc = capture_afp_datalink(src);
    if (rc)
        return rc;

    src->copy_mode = opts->copy_mode;
    /* Inline: TPACKET_V2, whose frames are handed over one by one as they
     * arrive (a V3 block waits until it is full or its timeout passes,
     * which would delay every forwarded packet). */
    int version = opts->copy_mode ? TPACKET_V2 : TPACKET_V3;
    if (setsockopt(src->sock, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) != 0)
        return capture_afp_fail(src, -errno, "TPACKET_V3 not supported");

    rc = capture_afp_filter(src, opts->bpf_filter);
    if (rc)
        return rc;

    if (opts->copy_mode) {
        rc = capture_afp_inline_ring(src, opts);
        if (rc)
            return rc;
    } else {
        rc = capture_afp_ring_v3(src, opts);
        if (rc)
            return rc;
    }

    struct sockaddr_ll sll;
    memset(&sll, 0, sizeof(sll));
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = (int)ifindex;
    if (bind(src->sock, (struct sockaddr *)&sll, sizeof(sll)) != 0)
        return capture_afp_fail(src, -errno, "bind");

    if (opts->promiscuous) {
        struct packet_mreq mreq;
        memset(&mreq, 0, sizeof(mreq));
        mreq.mr_ifindex = (int)ifindex;
        mreq.mr_type = PACKET_MR_PROMISC;
        if (setsockopt(src->sock, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) != 0)
            return capture_afp_fail(src, -errno, "cannot enable promiscuous mode");
    }
    if (opts->fanout_group) {
        uint32_t mode = opts->fanout_type | (opts->fanout_no_defrag ? 0 : PACKET_FANOUT_FLAG_DEFRAG);
        uint32_t fanout = (uint32_t)opts->fanout_group | (mode << 16);
        if (setsockopt(src->sock, SOL_PACKET, PACKET_FANOUT, &fanout, sizeof(fanout)) != 0) {
            int e = errno;
            capture_set_error(src,
                              "interface '%s' (af-packet): cannot join fanout group %u: %s "
                              "(is the group used with other settings or another interface?)",
                              src->name, (unsigned)opts->fanout_group, strerror(e));
            return -e;
        }
    }
    if (opts->copy_mode && opts->copy_iface)
        return capture_afp_inline_open_peer(src, opts);
    return 0;
}

static struct tpacket_block_desc *capture_afp_block(struct capture_source *src, uint32_t i)
{
    return (struct tpacket_block_desc *)(src->ring + (size_t)i * src->block_size);
}

static void capture_afp_release(struct capture_source *src)
{
    struct tpacket_block_desc *b = src->held_block;
    /* The kernel may reuse the block as soon as it sees the status change:
     * every read of the block must happen before this store. */
    __atomic_store_n(&b->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
    src->held_block = NULL;
    src->frames_left = 0;
    src->next_frame = NULL;
    src->block_index = (src->block_index + 1) % src->block_count;
}

const uint8_t *capture_afp_vlan_restore(struct capture_source *src, const uint8_t *data,
                                        uint32_t *caplen, uint32_t *wirelen, uint16_t tpid,
                                        uint16_t tci)
{
    /* A frame never exceeds its ring slot: a V3 block, a V2 frame. */
    size_t cap = src->v2 ? src->frame_size : src->block_size;
    if (!src->scratch)
        src->scratch = malloc(cap + 4);
    if (!src->scratch || *caplen < 12 || *caplen > cap)
        return data;
    if (!tpid)
        tpid = ETH_P_8021Q;
    memcpy(src->scratch, data, 12);
    src->scratch[12] = (uint8_t)(tpid >> 8);
    src->scratch[13] = (uint8_t)tpid;
    src->scratch[14] = (uint8_t)(tci >> 8);
    src->scratch[15] = (uint8_t)tci;
    memcpy(src->scratch + 16, data + 12, *caplen - 12);
    *caplen += 4;
    *wirelen += 4;
    return src->scratch;
}

static uint64_t capture_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Hands out the next frame of the held block. Returns false if the kernel's
 * frame header points outside the block (never expected; treated as fatal). */
static bool capture_afp_frame(struct capture_source *src, struct capture_frame *frame)
{
    uint8_t *block = src->held_block;
    uint8_t *end = block + src->block_size;
    struct tpacket3_hdr *h = (struct tpacket3_hdr *)src->next_frame;
    if ((uint8_t *)h < block || (uint8_t *)h + sizeof(*h) > end)
        return false;
    uint8_t *data = (uint8_t *)h + h->tp_mac;
    uint32_t caplen = h->tp_snaplen, wirelen = h->tp_len;
    if (data < (uint8_t *)h || data > end || caplen > (size_t)(end - data))
        return false;

    bool vlan = (h->tp_status & TP_STATUS_VLAN_VALID) || h->hv1.tp_vlan_tci != 0;
    if (vlan && src->datalink == DLT_EN10MB && caplen >= 12)
        data = (uint8_t *)capture_afp_vlan_restore(
            src, data, &caplen, &wirelen,
            (h->tp_status & TP_STATUS_VLAN_TPID_VALID) ? h->hv1.tp_vlan_tpid : 0,
            h->hv1.tp_vlan_tci);
    if (caplen > src->snaplen)
        caplen = src->snaplen;
    frame->data = data;
    frame->caplen = caplen;
    frame->wirelen = wirelen < caplen ? caplen : wirelen;
    frame->ts_usec = (uint64_t)h->tp_sec * 1000000u + h->tp_nsec / 1000u;
    frame->datalink = src->datalink;
    src->stats.packets++;
    src->stats.bytes += caplen;

    src->frames_left--;
    src->next_frame = h->tp_next_offset ? (uint8_t *)h + h->tp_next_offset : NULL;
    if (src->frames_left && !src->next_frame)
        src->frames_left = 0;
    return true;
}

enum capture_result capture_afpacket_next(struct capture_source *src, struct capture_frame *frame)
{
    if (src->v2)
        return capture_afp_inline_next(src, frame);
    uint64_t deadline = 0;
    for (;;) {
        if (atomic_load_explicit(&src->broken, memory_order_relaxed))
            return CAPTURE_END;
        if (src->held_block) {
            if (src->frames_left) {
                if (capture_afp_frame(src, frame))
                    return CAPTURE_OK;
                capture_set_error(src, "interface '%s' (af-packet): corrupt ring block %u",
                                  src->name, src->block_index);
                src->failed = true;
                return CAPTURE_ERROR;
            }
            capture_afp_release(src);
        }
        struct tpacket_block_desc *b = capture_afp_block(src, src->block_index);
        uint32_t status = __atomic_load_n(&b->hdr.bh1.block_status, __ATOMIC_ACQUIRE);
        if (status & TP_STATUS_USER) {
            src->held_block = b;
            src->frames_left = b->hdr.bh1.num_pkts;
            src->next_frame = (uint8_t *)b + b->hdr.bh1.offset_to_first_pkt;
            continue;
        }
        uint64_t now = capture_now_ms();
        if (!deadline)
            deadline = now + src->poll_timeout_ms;
        if (now >= deadline)
            return CAPTURE_TIMEOUT;
        int w = capture_wait_readable(src, src->sock, (int)(deadline - now));
        if (w == -1)
            return CAPTURE_END;
        if (w < 0) {
            int soerr = 0;
            socklen_t len = sizeof(soerr);
            getsockopt(src->sock, SOL_SOCKET, SO_ERROR, &soerr, &len);
            if (soerr == ENETDOWN && if_nametoindex(src->name) == src->ifindex)
                continue; /* link down: wait for it to come back, as libpcap does */
            if (soerr == ENETDOWN)
                capture_set_error(src, "interface '%s' (af-packet): the interface disappeared",
                                  src->name);
            else
                capture_set_error(src, "interface '%s' (af-packet): capture failed: %s", src->name,
                                  strerror(soerr ? soerr : -w));
            src->failed = true;
            return CAPTURE_ERROR;
        }
        if (w == 0)
            return CAPTURE_TIMEOUT;
    }
}

void capture_afpacket_stats(struct capture_source *src, struct capture_stats *out)
{
    struct tpacket_stats_v3 st;
    socklen_t len = sizeof(st);
    memset(&st, 0, sizeof(st));
    /* The kernel resets its counters on every read. */
    if (src->sock >= 0 && getsockopt(src->sock, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0) {
        src->afp_drops += st.tp_drops;
        src->afp_freezes += st.tp_freeze_q_cnt;
    }
    out->kernel_drops = src->afp_drops;
    out->if_drops = 0;
    if (src->peer) { /* inline pair: both interfaces */
        struct capture_stats ps;
        capture_afpacket_stats(src->peer, &ps);
        out->packets += ps.packets;
        out->bytes += ps.bytes;
        out->kernel_drops += ps.kernel_drops;
        out->forwarded += ps.forwarded;
        out->tx_errors += ps.tx_errors;
    }
}

void capture_afpacket_close(struct capture_source *src)
{
    capture_afp_inline_close(src);
    if (src->ring)
        munmap(src->ring, src->ring_size);
    src->ring = NULL;
    if (src->sock >= 0)
        close(src->sock);
    src->sock = -1;
    free(src->scratch);
    src->scratch = NULL;
}
