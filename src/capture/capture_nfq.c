/* SPDX-License-Identifier: Apache-2.0 */
/* NFQUEUE: packets netfilter queues to user space (iptables -j NFQUEUE,
 * nft "queue num N"), each handed out once and given a verdict - accept
 * (or repeat with a mark, or route to another queue) or drop - as
 * Suricata's nfq run mode does. libnetfilter_queue (Debian's
 * libnetfilter-queue-dev) does the netlink work. Frames are IP packets
 * (LINKTYPE_IPV4/IPv6 by their version nibble: DLT_RAW).
 *
 * Fail-open (nfq.fail-open): the kernel accepts packets while the queue is
 * full instead of dropping them. A sensor that is not running at all is the
 * rule's business: "queue num 0 bypass" (nft) / "--queue-bypass" (iptables)
 * accept packets when nobody listens; without it they are dropped (fail
 * closed). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include "capture/capture_internal.h"

#ifdef VIGIL_HAVE_NFQ
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <netinet/in.h>
#include <unistd.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#define NFQ_BUF_SIZE (256 * 1024)
#define NFQ_PENDING_MAX 64
#define DLT_RAW_FRAME 12

struct nfq_pending {
    uint32_t id, mark;
    const uint8_t *data;
    uint32_t len;
    uint64_t ts_usec;
};

struct capture_nfq {
    struct nfq_handle *h;
    struct nfq_q_handle *qh;
    int fd;
    struct capture_nfq_options opts;
    uint8_t *buf;
    /* Packets of the last recv not handed out yet (one recv may carry
     * several), and the one handed out last, waiting for its verdict. */
    struct nfq_pending pending[NFQ_PENDING_MAX];
    unsigned npending, next;
    struct nfq_pending current;
    bool has_current;
    uint64_t enobufs;   /* the socket buffer overflowed: the kernel dropped (or accepted) */
    int raw4, raw6;     /* raw IP sockets for reject's packets (opened on first use) */
};

static int nfq_cb(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa, void *arg)
{
    (void)msg;
    struct capture_source *src = arg;
    struct capture_nfq *q = src->nfq;
    struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
    if (!ph)
        return 0;
    uint32_t id = ntohl(ph->packet_id);
    unsigned char *payload = NULL;
    int len = nfq_get_payload(nfa, &payload);
    if (q->npending >= NFQ_PENDING_MAX || len <= 0 || !payload) {
        /* No room (cannot happen with the buffer sizes used) or nothing to
         * inspect: accepted at once. */
        nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL);
        return 0;
    }
    struct nfq_pending *p = &q->pending[q->npending++];
    p->id = id;
    p->mark = nfq_get_nfmark(nfa);
    p->data = payload;
    p->len = (uint32_t)len;
    struct timeval tv;
    if (nfq_get_timestamp(nfa, &tv) != 0 || tv.tv_sec == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        tv.tv_sec = ts.tv_sec;
        tv.tv_usec = ts.tv_nsec / 1000;
    }
    p->ts_usec = (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
    return 0;
}

int capture_nfq_open(struct capture_source *src, const struct capture_options *opts)
{
    char *end;
    errno = 0;
    unsigned long num = strtoul(src->name, &end, 10);
    if (errno || *end || end == src->name || num > 65535) {
        capture_set_error(src, "nfqueue '%s': not a queue number (0-65535)", src->name);
        return -EINVAL;
    }
    struct capture_nfq *q = calloc(1, sizeof *q);
    if (!q || !(q->buf = malloc(NFQ_BUF_SIZE))) {
        free(q);
        capture_set_error(src, "nfqueue %lu: out of memory", num);
        return -ENOMEM;
    }
    src->nfq = q;
    q->opts = opts->nfq;
    q->fd = -1;
    q->raw4 = q->raw6 = -1;
    src->datalink = DLT_RAW_FRAME;
    if (!(q->h = nfq_open())) {
        capture_set_error(src, "nfqueue %lu: cannot open netlink: %s (root or CAP_NET_ADMIN "
                          "needed)", num, strerror(errno));
        return -errno ? -errno : -EIO;
    }
    if (!(q->qh = nfq_create_queue(q->h, (uint16_t)num, nfq_cb, src))) {
        capture_set_error(src, "nfqueue %lu: cannot bind the queue: %s (in use by another "
                          "program?)", num, strerror(errno));
        return -errno ? -errno : -EIO;
    }
    if (nfq_set_mode(q->qh, NFQNL_COPY_PACKET, 0xffff) < 0) {
        capture_set_error(src, "nfqueue %lu: cannot set copy mode: %s", num, strerror(errno));
        return -EIO;
    }
    if (q->opts.queue_maxlen)
        nfq_set_queue_maxlen(q->qh, q->opts.queue_maxlen);
    if (q->opts.fail_open &&
        nfq_set_queue_flags(q->qh, NFQA_CFG_F_FAIL_OPEN, NFQA_CFG_F_FAIL_OPEN) < 0) {
        capture_set_error(src, "nfqueue %lu: the kernel does not support fail-open: %s", num,
                          strerror(errno));
        return -EIO;
    }
    q->fd = nfq_fd(q->h);
    /* A bigger receive buffer rides out bursts (ENOBUFS otherwise). */
    int rcvbuf = 8 * 1024 * 1024;
    setsockopt(q->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);
    src->snaplen = 0xffff;
    return 0;
}

static void give_verdict(struct capture_nfq *q, const struct nfq_pending *p, bool drop)
{
    if (drop) {
        nfq_set_verdict(q->qh, p->id, NF_DROP, 0, NULL);
        return;
    }
    switch (q->opts.mode) {
    case CAPTURE_NFQ_REPEAT:
        /* The packet goes through the ruleset again, marked so that the
         * rule queuing it lets it pass this time. */
        nfq_set_verdict2(q->qh, p->id, NF_REPEAT,
                         (p->mark & ~q->opts.repeat_mask) | q->opts.repeat_mark, 0, NULL);
        break;
    case CAPTURE_NFQ_ROUTE:
        nfq_set_verdict(q->qh, p->id, NF_QUEUE | ((uint32_t)q->opts.route_queue << 16), 0, NULL);
        break;
    default:
        nfq_set_verdict(q->qh, p->id, NF_ACCEPT, 0, NULL);
        break;
    }
}

void capture_nfq_verdict(struct capture_source *src, bool drop)
{
    struct capture_nfq *q = src->nfq;
    if (!q || !q->has_current)
        return;
    give_verdict(q, &q->current, drop);
    q->has_current = false;
}

enum capture_result capture_nfq_next(struct capture_source *src, struct capture_frame *frame)
{
    struct capture_nfq *q = src->nfq;
    if (q->has_current) /* the caller gave no verdict: accept */
        capture_nfq_verdict(src, false);
    while (q->next >= q->npending) {
        q->next = q->npending = 0;
        int w = capture_wait_readable(src, q->fd, (int)src->poll_timeout_ms);
        if (w < 0 && atomic_load(&src->broken))
            return CAPTURE_END;
        if (w < 0) {
            capture_set_error(src, "nfqueue %s: poll: %s", src->name, strerror(-w));
            return CAPTURE_ERROR;
        }
        if (w == 0)
            return CAPTURE_TIMEOUT;
        ssize_t n = recv(q->fd, q->buf, NFQ_BUF_SIZE, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == ENOBUFS) { /* user space fell behind: the kernel dropped packets */
                q->enobufs++;
                continue;
            }
            if (errno == EAGAIN || errno == EINTR)
                continue;
            capture_set_error(src, "nfqueue %s: recv: %s", src->name, strerror(errno));
            return CAPTURE_ERROR;
        }
        nfq_handle_packet(q->h, (char *)q->buf, (int)n);
    }
    q->current = q->pending[q->next++];
    q->has_current = true;
    frame->data = q->current.data;
    frame->caplen = frame->wirelen = q->current.len;
    frame->ts_usec = q->current.ts_usec;
    frame->datalink = src->datalink;
    src->stats.packets++;
    src->stats.bytes += q->current.len;
    src->stats.kernel_drops = q->enobufs;
    return CAPTURE_OK;
}

/* A packet vigil made (reject): sent as a locally generated IP packet with
 * its own header, so the routing table sends it on (locally generated
 * packets pass the OUTPUT hook, not the FORWARD one that queues). */
int capture_nfq_inject(struct capture_source *src, const uint8_t *pkt, uint32_t len)
{
    struct capture_nfq *q = src->nfq;
    if (!q || len < 20)
        return -EINVAL;
    int v = pkt[0] >> 4;
    int *fd = v == 4 ? &q->raw4 : (v == 6 ? &q->raw6 : NULL);
    if (!fd || (v == 6 && len < 40))
        return -EINVAL;
    if (*fd < 0) {
        *fd = socket(v == 4 ? AF_INET : AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
        if (*fd < 0)
            return -errno;
        int one = 1;
        if (v == 4)
            setsockopt(*fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof one);
#ifdef IPV6_HDRINCL
        else
            setsockopt(*fd, IPPROTO_IPV6, IPV6_HDRINCL, &one, sizeof one);
#endif
    }
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t sl;
    if (v == 4) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
        sin->sin_family = AF_INET;
        memcpy(&sin->sin_addr, pkt + 16, 4);
        sl = sizeof *sin;
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
        sin6->sin6_family = AF_INET6;
        memcpy(&sin6->sin6_addr, pkt + 24, 16);
        sl = sizeof *sin6;
    }
    if (sendto(*fd, pkt, len, 0, (struct sockaddr *)&ss, sl) < 0)
        return -errno;
    src->stats.injected++;
    return 0;
}

void capture_nfq_close(struct capture_source *src)
{
    struct capture_nfq *q = src->nfq;
    if (!q)
        return;
    /* Packets handed out or read but not judged are accepted. */
    if (q->has_current)
        capture_nfq_verdict(src, false);
    for (unsigned i = q->next; i < q->npending && q->qh; i++)
        give_verdict(q, &q->pending[i], false);
    if (q->raw4 >= 0)
        close(q->raw4);
    if (q->raw6 >= 0)
        close(q->raw6);
    if (q->qh)
        nfq_destroy_queue(q->qh);
    if (q->h)
        nfq_close(q->h);
    free(q->buf);
    free(q);
    src->nfq = NULL;
}

#else /* !VIGIL_HAVE_NFQ */

int capture_nfq_open(struct capture_source *src, const struct capture_options *opts)
{
    (void)opts;
    capture_set_error(src, "nfqueue %s: vigil was built without libnetfilter_queue "
                      "(install libnetfilter-queue-dev and rebuild)", src->name);
    return -ENOTSUP;
}

enum capture_result capture_nfq_next(struct capture_source *src, struct capture_frame *frame)
{
    (void)frame;
    capture_set_error(src, "nfqueue %s: not supported by this build", src->name);
    return CAPTURE_ERROR;
}

void capture_nfq_verdict(struct capture_source *src, bool drop)
{
    (void)src;
    (void)drop;
}

int capture_nfq_inject(struct capture_source *src, const uint8_t *pkt, uint32_t len)
{
    (void)src;
    (void)pkt;
    (void)len;
    return -ENOTSUP;
}

void capture_nfq_close(struct capture_source *src)
{
    (void)src;
}

#endif
