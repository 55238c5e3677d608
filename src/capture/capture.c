/* SPDX-License-Identifier: Apache-2.0 */
/* Packet sources through libpcap: capture files (classic pcap and pcapng,
 * timestamps always in microseconds) and live interfaces (non-blocking, polled
 * so the caller regains control every poll_timeout_ms). The AF_PACKET backend
 * is in capture_afpacket.c; this file also holds the public entry points that
 * dispatch on the kind of source. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/capture_internal.h"

_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "capture_break needs a lock-free atomic int");

#define CAPTURE_FILE_BUFFER (1u << 20)

void capture_set_error(struct capture_source *src, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(src->err, sizeof(src->err), fmt, ap);
    va_end(ap);
}

/* Link types the decoder handles (issue 2): Ethernet, Linux cooked v1/v2,
 * raw IP (DLT_RAW and LINKTYPE_IPV4/IPV6), BSD null and loop. */
bool capture_datalink_supported(int datalink)
{
    switch (datalink) {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
#ifdef DLT_LINUX_SLL2
    case DLT_LINUX_SLL2:
#endif
    case DLT_RAW:
#ifdef DLT_IPV4
    case DLT_IPV4:
#endif
#ifdef DLT_IPV6
    case DLT_IPV6:
#endif
    case DLT_NULL:
    case DLT_LOOP:
        return true;
    default:
        return false;
    }
}

static bool capture_datalink_accepted(const struct capture_options *opts, int datalink)
{
    if (capture_datalink_supported(datalink))
        return true;
    return opts->datalink_supported && opts->datalink_supported(datalink);
}

/* "IEEE802_11_RADIO (127, 802.11 plus radiotap header)" */
static void capture_datalink_describe(int datalink, char *out, size_t outlen)
{
    const char *name = pcap_datalink_val_to_name(datalink);
    const char *desc = pcap_datalink_val_to_description(datalink);
    snprintf(out, outlen, "%s (%d%s%s)", name ? name : "unknown", datalink, desc ? ", " : "",
             desc ? desc : "");
}

bool capture_file_exists(const char *path)
{
    struct stat st;
    if (!path || !*path)
        return false;
    if (strcmp(path, "-") == 0)
        return true;
    if (stat(path, &st) != 0 || S_ISDIR(st.st_mode))
        return false;
    return access(path, R_OK) == 0;
}

int capture_wait_readable(struct capture_source *src, int fd, int timeout_ms)
{
    struct pollfd fds[2] = {
        {.fd = fd, .events = POLLIN},
        {.fd = src->wake_fd, .events = POLLIN},
    };
    int n = poll(fds, src->wake_fd >= 0 ? 2 : 1, timeout_ms);
    if (atomic_load(&src->broken))
        return -1;
    if (n < 0)
        return errno == EINTR ? 0 : -errno;
    if (n == 0)
        return 0;
    if (fds[0].revents & (POLLERR | POLLNVAL))
        return -EIO;
    return 1;
}

/* Applies a BPF expression to a libpcap handle; the message names the
 * expression and the source. */
static int capture_pcap_filter(struct capture_source *src, const char *expr, const char *what)
{
    struct bpf_program prog;
    if (!expr || !*expr)
        return 0;
    if (pcap_compile(src->pcap, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        capture_set_error(src, "BPF filter '%s' for %s '%s': %s", expr, what, src->name,
                          pcap_geterr(src->pcap));
        return -EINVAL;
    }
    int rc = pcap_setfilter(src->pcap, &prog);
    pcap_freecode(&prog);
    if (rc != 0) {
        capture_set_error(src, "BPF filter '%s' for %s '%s': cannot set: %s", expr, what, src->name,
                          pcap_geterr(src->pcap));
        return -EINVAL;
    }
    return 0;
}

/* A capture file that is a pipe (stdin, a FIFO) can stay silent for as long
 * as its writer likes. libpcap reads it through stdio, whose read(2) a
 * signal does not interrupt (SA_RESTART), so the reader would hear of
 * SIGTERM or SIGHUP only with the next packet. Such inputs are read
 * through this stdio cookie instead: it polls the descriptor with a
 * timeout and lets the caller act (opts->idle) between two waits, also
 * when the writer stopped in the middle of a record. */
struct pipe_cookie {
    int fd;
    struct capture_source *src;
    bool (*idle)(void *arg);
    void *idle_arg;
};

static ssize_t pipe_cookie_read(void *c, char *buf, size_t size)
{
    struct pipe_cookie *p = c;
    for (;;) {
        if (atomic_load(&p->src->broken) || p->src->stopped) {
            p->src->stopped = true;
            errno = EINTR;
            return -1;
        }
        struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
        int r = poll(&pfd, 1, (int)p->src->poll_timeout_ms);
        if (r < 0 && errno != EINTR)
            return -1;
        if (r <= 0) {
            /* Waited a whole period, or a signal came: the caller's turn. */
            if (p->idle && p->idle(p->idle_arg))
                p->src->stopped = true;
            continue;
        }
        ssize_t n = read(p->fd, buf, size);
        if (n >= 0)
            return n; /* 0: the writer closed its end */
        if (errno != EINTR && errno != EAGAIN)
            return -1;
    }
}

static int pipe_cookie_close(void *c)
{
    struct pipe_cookie *p = c;
    int rc = close(p->fd);
    free(p);
    return rc;
}

static FILE *pipe_fopen(struct capture_source *src, int fd, const struct capture_options *opts)
{
    struct pipe_cookie *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    *p = (struct pipe_cookie){.fd = fd, .src = src, .idle = opts->idle, .idle_arg = opts->idle_arg};
    cookie_io_functions_t io = {.read = pipe_cookie_read, .close = pipe_cookie_close};
    FILE *f = fopencookie(p, "rb", io);
    if (!f)
        free(p);
    return f;
}

/* Opens a capture file with our own FILE so that we control its buffer and
 * can ask its offset when a record cannot be read. */
static int capture_file_open(struct capture_source *src, const struct capture_options *opts)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    struct stat st;
    FILE *f = NULL;
    int fd = strcmp(opts->name, "-") == 0 ? dup(STDIN_FILENO) : open(opts->name, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
            f = pipe_fopen(src, fd, opts);
        else
            f = fdopen(fd, "rb");
        if (!f)
            close(fd);
    }
    if (!f) {
        int e = errno ? errno : EIO;
        capture_set_error(src, "capture file '%s': %s", src->name, strerror(e));
        return -e;
    }
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        capture_set_error(src, "capture file '%s': is a directory", src->name);
        return -EISDIR;
    }
    src->file_buf = malloc(CAPTURE_FILE_BUFFER);
    if (src->file_buf)
        setvbuf(f, src->file_buf, _IOFBF, CAPTURE_FILE_BUFFER);
    /* libpcap converts nanosecond files to microseconds for us. */
    src->pcap = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
    if (!src->pcap) {
        fclose(f); /* libpcap leaves the FILE open when it fails */
        if (src->stopped) {
            capture_set_error(src, "capture file '%s': stopped before its header arrived",
                              src->name);
            return -EINTR;
        }
        capture_set_error(src, "capture file '%s': not a readable pcap or pcapng file: %s",
                          src->name, errbuf[0] ? errbuf : "unknown format");
        return -EINVAL;
    }
    src->file = f;
    /* glibc's ftell() costs an lseek() per call until the stream has been
     * positioned once; re-seeking to where libpcap left it makes the
     * per-packet ftell() below free. Pipes stay at -1 (offset unknown). */
    src->good_offset = ftell(f);
    if (src->good_offset >= 0 && fseek(f, src->good_offset, SEEK_SET) != 0)
        src->good_offset = -1;
    src->datalink = pcap_datalink(src->pcap);
    if (!capture_datalink_accepted(opts, src->datalink)) {
        char dl[160];
        capture_datalink_describe(src->datalink, dl, sizeof(dl));
        capture_set_error(src, "capture file '%s': unsupported link type %s", src->name, dl);
        return -EPROTONOSUPPORT;
    }
    return capture_pcap_filter(src, opts->bpf_filter, "capture file");
}

static int capture_live_open(struct capture_source *src, const struct capture_options *opts)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    src->pcap = pcap_create(opts->name, errbuf);
    if (!src->pcap) {
        capture_set_error(src, "interface '%s': %s", src->name, errbuf);
        return -ENODEV;
    }
    uint64_t ring =
        opts->buffer_size
            ? opts->buffer_size
            : (uint64_t)(opts->ring_block_size ? opts->ring_block_size
                                               : CAPTURE_DEFAULT_BLOCK_SIZE) *
                  (opts->ring_block_count ? opts->ring_block_count : CAPTURE_DEFAULT_BLOCK_COUNT);
    if (ring > (1u << 30))
        ring = 1u << 30;
    pcap_set_snaplen(src->pcap, (int)src->snaplen);
    pcap_set_promisc(src->pcap, opts->promiscuous ? 1 : 0);
    pcap_set_timeout(src->pcap, (int)src->poll_timeout_ms);
    /* Not immediate mode: libpcap would fall back to TPACKET_V2 with one
     * snaplen-sized slot per frame, which drops bursts with a small buffer.
     * TPACKET_V3 blocks retire after the timeout, bounding latency. */
    pcap_set_buffer_size(src->pcap, (int)ring);
    pcap_set_tstamp_precision(src->pcap, PCAP_TSTAMP_PRECISION_MICRO);
    int rc = pcap_activate(src->pcap);
    if (rc < 0) {
        const char *status = pcap_statustostr(rc);
        const char *detail = pcap_geterr(src->pcap);
        if (!detail || !*detail || strcmp(detail, status) == 0)
            detail = NULL;
        capture_set_error(src, "interface '%s': cannot capture: %s%s%s", src->name, status,
                          detail ? ": " : "", detail ? detail : "");
        return rc == PCAP_ERROR_PERM_DENIED ? -EPERM : -ENODEV;
    }
    src->datalink = pcap_datalink(src->pcap);
    if (!capture_datalink_accepted(opts, src->datalink)) {
        char dl[160];
        capture_datalink_describe(src->datalink, dl, sizeof(dl));
        capture_set_error(src, "interface '%s': unsupported link type %s", src->name, dl);
        return -EPROTONOSUPPORT;
    }
    rc = capture_pcap_filter(src, opts->bpf_filter, "interface");
    if (rc)
        return rc;
    if (pcap_setnonblock(src->pcap, 1, errbuf) != 0) {
        capture_set_error(src, "interface '%s': cannot set non-blocking: %s", src->name, errbuf);
        return -EIO;
    }
    src->pcap_fd = pcap_get_selectable_fd(src->pcap);
    if (src->pcap_fd < 0) {
        capture_set_error(src, "interface '%s': no selectable descriptor", src->name);
        return -EIO;
    }
    return 0;
}

struct capture_source *capture_open(const struct capture_options *opts, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!opts || !opts->name || !*opts->name) {
        if (err && errlen)
            snprintf(err, errlen, "capture: no file or interface name given");
        return NULL;
    }
    struct capture_source *src = calloc(1, sizeof(*src));
    if (!src) {
        if (err && errlen)
            snprintf(err, errlen, "capture '%s': out of memory", opts->name);
        return NULL;
    }
    src->kind = opts->kind;
    src->snaplen = opts->snaplen ? opts->snaplen : CAPTURE_DEFAULT_SNAPLEN;
    if (opts->kind != CAPTURE_PCAP_FILE && opts->kind != CAPTURE_NFQUEUE && !opts->snaplen)
        src->snaplen = capture_interface_snaplen(opts->name, src->size_warning,
                                                 sizeof(src->size_warning));
    if (src->snaplen > CAPTURE_MAX_SNAPLEN)
        src->snaplen = CAPTURE_MAX_SNAPLEN;
    src->poll_timeout_ms = opts->poll_timeout_ms ? opts->poll_timeout_ms : CAPTURE_DEFAULT_POLL_MS;
    if (src->poll_timeout_ms > 60000)
        src->poll_timeout_ms = 60000;
    atomic_init(&src->broken, 0);
    src->wake_fd = -1;
    src->pcap_fd = -1;
    src->sock = -1;
    src->good_offset = -1;
    snprintf(src->name, sizeof(src->name), "%s", opts->name);

    int rc;
    if (opts->kind != CAPTURE_PCAP_FILE) {
        src->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (src->wake_fd < 0) {
            capture_set_error(src, "interface '%s': eventfd: %s", src->name, strerror(errno));
            goto fail;
        }
    }
    switch (opts->kind) {
    case CAPTURE_PCAP_FILE:
        rc = capture_file_open(src, opts);
        break;
    case CAPTURE_PCAP_LIVE:
        rc = capture_live_open(src, opts);
        break;
    case CAPTURE_AF_PACKET:
        rc = capture_afpacket_open(src, opts);
        break;
    case CAPTURE_NFQUEUE:
        rc = capture_nfq_open(src, opts);
        break;
    default:
        capture_set_error(src, "capture '%s': unknown capture kind %d", src->name, (int)opts->kind);
        rc = -EINVAL;
        break;
    }
    if (rc == 0)
        return src;
fail:
    if (err && errlen)
        snprintf(err, errlen, "%s", src->err);
    capture_close(src);
    return NULL;
}

static enum capture_result capture_fail(struct capture_source *src)
{
    src->failed = true;
    return CAPTURE_ERROR;
}

/* Largest seconds value whose microsecond timestamp still fits in 64 bits. */
#define CAPTURE_TS_SEC_MAX ((UINT64_MAX - UINT32_MAX) / 1000000u)

/* A record's time in microseconds. The classic pcap format stores seconds and
 * microseconds as unsigned 32-bit fields, but libpcap reads them as signed
 * and sign-extends: a record at 0xffffffff seconds (2106) or with a corrupt
 * microseconds field >= 2^31 reaches us negative, and the sum wrapped to a
 * time 584 000 years ahead (bug: capture negative timestamp). Negative values
 * in 32-bit range are read back as the unsigned fields they were; an
 * out-of-range microseconds field simply carries into the seconds; anything
 * else (a pcapng time beyond 64-bit microseconds) is clamped. */
static uint64_t capture_ts_usec(const struct timeval *tv)
{
    uint64_t sec, usec;
    if (tv->tv_sec >= 0)
        sec = (uint64_t)tv->tv_sec;
    else if (tv->tv_sec >= INT32_MIN)
        sec = (uint32_t)tv->tv_sec;
    else
        sec = 0;
    if (sec > CAPTURE_TS_SEC_MAX)
        sec = CAPTURE_TS_SEC_MAX;
    if (tv->tv_usec >= 0 && tv->tv_usec <= UINT32_MAX)
        usec = (uint64_t)tv->tv_usec;
    else if (tv->tv_usec < 0 && tv->tv_usec >= INT32_MIN)
        usec = (uint32_t)tv->tv_usec;
    else
        usec = 0;
    return sec * 1000000u + usec;
}

static void capture_frame_fill(struct capture_source *src, struct capture_frame *frame,
                               const struct pcap_pkthdr *h, const uint8_t *data)
{
    frame->data = data;
    frame->caplen = h->caplen;
    frame->wirelen = h->len;
    frame->ts_usec = capture_ts_usec(&h->ts);
    frame->datalink = src->datalink;
    src->stats.packets++;
    src->stats.bytes += h->caplen;
}

static enum capture_result capture_file_next(struct capture_source *src,
                                             struct capture_frame *frame)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    int r = pcap_next_ex(src->pcap, &h, &data);
    if (r == 1) {
        capture_frame_fill(src, frame, h, data);
        if (src->good_offset >= 0)
            src->good_offset = ftell(src->file);
        return CAPTURE_OK;
    }
    if (r == PCAP_ERROR_BREAK || src->stopped)
        return CAPTURE_END; /* a pipe's wait ended on request, not an error */
    if (src->good_offset >= 0)
        capture_set_error(
            src,
            "capture file '%s': truncated or corrupt at byte offset %ld, after packet %llu: %s",
            src->name, src->good_offset, (unsigned long long)src->stats.packets,
            pcap_geterr(src->pcap));
    else
        capture_set_error(
            src,
            "capture file '%s': truncated or corrupt after packet %llu (byte offset unknown: "
            "input is not seekable): %s",
            src->name, (unsigned long long)src->stats.packets, pcap_geterr(src->pcap));
    return capture_fail(src);
}

static enum capture_result capture_live_next(struct capture_source *src,
                                             struct capture_frame *frame)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    int r = pcap_next_ex(src->pcap, &h, &data);
    if (r == 0) {
        int w = capture_wait_readable(src, src->pcap_fd, (int)src->poll_timeout_ms);
        if (w == -1)
            return CAPTURE_END;
        if (w < 0 && w != -EIO) {
            capture_set_error(src, "interface '%s': poll: %s", src->name, strerror(-w));
            return capture_fail(src);
        }
        if (w == 0)
            return CAPTURE_TIMEOUT;
        /* Readable, or a socket error (POLLERR) that libpcap examines itself:
         * a link going down is survived, a vanished interface is an error. */
        r = pcap_next_ex(src->pcap, &h, &data);
        if (r == 0)
            return CAPTURE_TIMEOUT;
    }
    if (r == 1) {
        capture_frame_fill(src, frame, h, data);
        return CAPTURE_OK;
    }
    if (r == PCAP_ERROR_BREAK || atomic_load(&src->broken))
        return CAPTURE_END;
    capture_set_error(src, "interface '%s': capture failed: %s", src->name, pcap_geterr(src->pcap));
    return capture_fail(src);
}

enum capture_result capture_next(struct capture_source *src, struct capture_frame *frame)
{
    if (src->failed)
        return CAPTURE_ERROR;
    if (atomic_load_explicit(&src->broken, memory_order_relaxed))
        return CAPTURE_END;
    switch (src->kind) {
    case CAPTURE_PCAP_FILE:
        return capture_file_next(src, frame);
    case CAPTURE_PCAP_LIVE:
        return capture_live_next(src, frame);
    case CAPTURE_AF_PACKET:
        return capture_afpacket_next(src, frame);
    case CAPTURE_NFQUEUE:
        return capture_nfq_next(src, frame);
    }
    return CAPTURE_ERROR;
}

void capture_verdict(struct capture_source *src, bool drop)
{
    if (src && src->kind == CAPTURE_NFQUEUE)
        capture_nfq_verdict(src, drop);
    else if (src && src->kind == CAPTURE_AF_PACKET && src->v2)
        capture_afp_inline_verdict(src, drop);
}

bool capture_is_inline(const struct capture_source *src)
{
    return src && (src->kind == CAPTURE_NFQUEUE || (src->kind == CAPTURE_AF_PACKET && src->v2));
}

int capture_inject(struct capture_source *src, bool back, const uint8_t *frame, uint32_t len)
{
    if (!src || !frame || !len)
        return -EINVAL;
    if (src->kind == CAPTURE_NFQUEUE)
        return capture_nfq_inject(src, frame, len);
    if (src->kind == CAPTURE_AF_PACKET && src->v2)
        return capture_afp_inline_inject(src, back, frame, len);
    return -ENOTSUP;
}

bool capture_failed(const struct capture_source *src)
{
    return src && src->failed;
}

uint32_t capture_snaplen(const struct capture_source *src)
{
    return src->snaplen;
}

const char *capture_size_warning(const struct capture_source *src)
{
    return src->size_warning;
}

int capture_datalink(const struct capture_source *src)
{
    return src->datalink;
}

const char *capture_error(const struct capture_source *src)
{
    return src->err;
}

void capture_get_stats(struct capture_source *src, struct capture_stats *out)
{
    *out = src->stats;
    if (src->kind == CAPTURE_PCAP_LIVE && src->pcap) {
        struct pcap_stat ps;
        if (pcap_stats(src->pcap, &ps) == 0) {
            out->kernel_drops = ps.ps_drop;
            out->if_drops = ps.ps_ifdrop;
        }
    } else if (src->kind == CAPTURE_AF_PACKET) {
        capture_afpacket_stats(src, out);
    }
}

/* Only async-signal-safe operations: an atomic store, write(2) on the
 * eventfd, and pcap_breakloop (a flag plus a write on Linux). */
void capture_break(struct capture_source *src)
{
    if (!src)
        return;
    atomic_store(&src->broken, 1);
    if (src->wake_fd >= 0) {
        uint64_t one = 1;
        ssize_t n = write(src->wake_fd, &one, sizeof(one));
        (void)n;
    }
    if (src->pcap)
        pcap_breakloop(src->pcap);
}

void capture_close(struct capture_source *src)
{
    if (!src)
        return;
    if (src->kind == CAPTURE_AF_PACKET)
        capture_afpacket_close(src);
    if (src->kind == CAPTURE_NFQUEUE)
        capture_nfq_close(src);
    if (src->pcap)
        pcap_close(src->pcap); /* also closes src->file */
    free(src->file_buf);
    if (src->wake_fd >= 0)
        close(src->wake_fd);
    free(src);
}
