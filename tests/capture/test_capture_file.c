/* SPDX-License-Identifier: Apache-2.0 */
/* Capture files through src/capture: classic pcap (micro- and nanosecond),
 * pcapng written byte by byte, truncated and corrupt files (every complete
 * frame, then an error naming the file and byte offset), missing files,
 * unsupported link types, BPF filters, capture_break, a pipe on stdin, the
 * shared captures, and open errors for live sources. */
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture/capture.h"
#include "test.h"

static char tmpdir[256];

static void tmp_path(char *out, size_t outlen, const char *name)
{
    snprintf(out, outlen, "%s/%s", tmpdir, name);
}

/* Ethernet + IPv4 + UDP or TCP header + payload of len bytes filled with seed. */
static uint32_t frame_build(uint8_t *buf, int proto, uint16_t sport, uint16_t dport,
                            uint32_t payload, uint8_t seed)
{
    static const uint8_t eth[14] = {0, 1, 2, 3, 4, 5, 0, 6, 7, 8, 9, 10, 0x08, 0x00};
    memcpy(buf, eth, 14);
    uint8_t *ip = buf + 14;
    uint32_t l4len = proto == 17 ? 8 : 20;
    uint32_t iplen = 20 + l4len + payload;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    ip[2] = (uint8_t)(iplen >> 8);
    ip[3] = (uint8_t)iplen;
    ip[8] = 64;
    ip[9] = (uint8_t)proto;
    ip[12] = 10, ip[13] = 0, ip[14] = 0, ip[15] = 1;
    ip[16] = 10, ip[17] = 0, ip[18] = 0, ip[19] = 2;
    uint8_t *l4 = ip + 20;
    memset(l4, 0, l4len);
    l4[0] = (uint8_t)(sport >> 8), l4[1] = (uint8_t)sport;
    l4[2] = (uint8_t)(dport >> 8), l4[3] = (uint8_t)dport;
    if (proto == 17) {
        l4[4] = (uint8_t)((8 + payload) >> 8), l4[5] = (uint8_t)(8 + payload);
    } else {
        l4[12] = 0x50;
        l4[13] = 0x18;
    }
    for (uint32_t i = 0; i < payload; i++)
        l4[l4len + i] = (uint8_t)(seed + i);
    return 14 + iplen;
}

#define NFRAMES 5
static uint8_t frames[NFRAMES][256];
static uint32_t frame_len[NFRAMES];

static void frames_init(void)
{
    for (int i = 0; i < NFRAMES; i++) {
        int proto = i % 2 ? 6 : 17;
        uint16_t dport = i % 2 ? 80 : (i == 2 ? 123 : 53);
        frame_len[i] = frame_build(frames[i], proto, (uint16_t)(1000 + i), dport,
                                   (uint32_t)(10 + 30 * i), (uint8_t)i);
    }
}

/* Writes frames 0..n-1 with libpcap; frame i has ts 1000+i s and i*1000+7
 * µs (or ns), and frame 1 claims a longer wire length than captured. */
static void pcap_write(const char *path, int dlt, int precision, int n)
{
    pcap_t *dead = pcap_open_dead_with_tstamp_precision(dlt, 65535, (u_int)precision);
    pcap_dumper_t *d = pcap_dump_open(dead, path);
    CHECK(d != NULL);
    if (!d) {
        pcap_close(dead);
        return;
    }
    for (int i = 0; i < n; i++) {
        struct pcap_pkthdr h;
        memset(&h, 0, sizeof(h));
        h.ts.tv_sec = 1000 + i;
        h.ts.tv_usec = i * 1000 + 7; /* nanoseconds for a nanosecond file */
        h.caplen = frame_len[i];
        h.len = frame_len[i] + (i == 1 ? 100 : 0);
        pcap_dump((u_char *)d, &h, frames[i]);
    }
    pcap_dump_close(d);
    pcap_close(dead);
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void file_truncate(const char *path, long len)
{
    CHECK_EQ_INT(truncate(path, len), 0);
}

static void file_write(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK_EQ_INT(fwrite(data, 1, len, f), len);
    fclose(f);
}

static struct capture_source *file_open(const char *path, const char *filter, char *err,
                                        size_t errlen)
{
    struct capture_options o = {.kind = CAPTURE_PCAP_FILE, .name = path, .bpf_filter = filter};
    return capture_open(&o, err, errlen);
}

/* Reads frames, checking each against frames[first + k]; returns the count and
 * the final result. */
static int read_all(struct capture_source *src, enum capture_result *last, bool check_content)
{
    struct capture_frame f;
    enum capture_result r;
    int n = 0;
    while ((r = capture_next(src, &f)) == CAPTURE_OK) {
        if (check_content && n < NFRAMES) {
            CHECK_EQ_INT(f.caplen, frame_len[n]);
            CHECK(memcmp(f.data, frames[n], frame_len[n]) == 0);
        }
        n++;
        if (n > 1000)
            break;
    }
    *last = r;
    return n;
}

static void test_pcap_micro(void)
{
    char path[512], err[1024];
    tmp_path(path, sizeof(path), "micro.pcap");
    pcap_write(path, DLT_EN10MB, PCAP_TSTAMP_PRECISION_MICRO, NFRAMES);
    CHECK(capture_file_exists(path));
    struct capture_source *src = file_open(path, NULL, err, sizeof(err));
    CHECK(src != NULL);
    if (!src)
        return;
    CHECK_EQ_INT(capture_datalink(src), DLT_EN10MB);
    struct capture_frame f;
    uint64_t bytes = 0;
    for (int i = 0; i < NFRAMES; i++) {
        CHECK_EQ_INT(capture_next(src, &f), CAPTURE_OK);
        CHECK_EQ_INT(f.caplen, frame_len[i]);
        CHECK_EQ_INT(f.wirelen, frame_len[i] + (i == 1 ? 100 : 0));
        CHECK_EQ_INT(f.ts_usec, (uint64_t)(1000 + i) * 1000000u + (uint64_t)(i * 1000 + 7));
        CHECK_EQ_INT(f.datalink, DLT_EN10MB);
        CHECK(memcmp(f.data, frames[i], frame_len[i]) == 0);
        bytes += frame_len[i];
    }
    CHECK_EQ_INT(capture_next(src, &f), CAPTURE_END);
    CHECK_EQ_INT(capture_next(src, &f), CAPTURE_END);
    struct capture_stats st;
    capture_get_stats(src, &st);
    CHECK_EQ_INT(st.packets, NFRAMES);
    CHECK_EQ_INT(st.bytes, bytes);
    CHECK_EQ_INT(st.kernel_drops, 0);
    capture_close(src);
}

static void test_pcap_nano(void)
{
    char path[512], err[1024];
    tmp_path(path, sizeof(path), "nano.pcap");
    pcap_write(path, DLT_EN10MB, PCAP_TSTAMP_PRECISION_NANO, 3);
    struct capture_source *src = file_open(path, NULL, err, sizeof(err));
    CHECK(src != NULL);
    if (!src)
        return;
    struct capture_frame f;
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_INT(capture_next(src, &f), CAPTURE_OK);
        /* i*1000+7 ns is i µs (sub-microsecond part dropped). */
        CHECK_EQ_INT(f.ts_usec, (uint64_t)(1000 + i) * 1000000u + (uint64_t)i);
    }
    CHECK_EQ_INT(capture_next(src, &f), CAPTURE_END);
    capture_close(src);
}

static size_t put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
    return 4;
}

/* pcapng: SHB, IDB (Ethernet; nanosecond resolution if nano), then one EPB per
 * frame. Returns the length; block_end[i] is the offset just past EPB i. */
static size_t pcapng_build(uint8_t *out, int n, bool nano, size_t *block_end)
{
    size_t o = 0;
    /* Section header block */
    o += put32(out + o, 0x0A0D0D0A);
    o += put32(out + o, 28);
    o += put32(out + o, 0x1A2B3C4D);
    out[o++] = 1, out[o++] = 0, out[o++] = 0, out[o++] = 0; /* version 1.0 */
    memset(out + o, 0xff, 8), o += 8;                       /* section length unknown */
    o += put32(out + o, 28);
    /* Interface description block */
    uint32_t idb_len = nano ? 20 + 8 + 4 : 20;
    o += put32(out + o, 1);
    o += put32(out + o, idb_len);
    out[o++] = 1, out[o++] = 0, out[o++] = 0, out[o++] = 0; /* linktype 1, reserved */
    o += put32(out + o, 65535);
    if (nano) {
        out[o++] = 9, out[o++] = 0, out[o++] = 1, out[o++] = 0; /* if_tsresol, len 1 */
        out[o++] = 9, out[o++] = 0, out[o++] = 0, out[o++] = 0; /* 10^-9, padding */
        o += put32(out + o, 0);                                 /* opt_endofopt */
    }
    o += put32(out + o, idb_len);
    for (int i = 0; i < n; i++) {
        uint32_t pad = (4 - frame_len[i] % 4) % 4;
        uint32_t len = 32 + frame_len[i] + pad;
        uint64_t ts = (uint64_t)(2000 + i) * (nano ? 1000000000u : 1000000u) + 5000u * (unsigned)i;
        o += put32(out + o, 6);
        o += put32(out + o, len);
        o += put32(out + o, 0);
        o += put32(out + o, (uint32_t)(ts >> 32));
        o += put32(out + o, (uint32_t)ts);
        o += put32(out + o, frame_len[i]);
        o += put32(out + o, frame_len[i]);
        memcpy(out + o, frames[i], frame_len[i]);
        o += frame_len[i];
        memset(out + o, 0, pad), o += pad;
        o += put32(out + o, len);
        if (block_end)
            block_end[i] = o;
    }
    return o;
}

static void test_pcapng(void)
{
    static uint8_t buf[8192];
    size_t ends[NFRAMES];
    char path[512], err[1024], needle[128];
    for (int nano = 0; nano <= 1; nano++) {
        size_t len = pcapng_build(buf, NFRAMES, nano, ends);
        tmp_path(path, sizeof(path), nano ? "nano.pcapng" : "micro.pcapng");
        file_write(path, buf, len);
        struct capture_source *src = file_open(path, NULL, err, sizeof(err));
        CHECK(src != NULL);
        if (!src) {
            fprintf(stderr, "%s\n", err);
            continue;
        }
        struct capture_frame f;
        for (int i = 0; i < NFRAMES; i++) {
            CHECK_EQ_INT(capture_next(src, &f), CAPTURE_OK);
            CHECK_EQ_INT(f.caplen, frame_len[i]);
            CHECK(memcmp(f.data, frames[i], frame_len[i]) == 0);
            uint64_t want =
                (uint64_t)(2000 + i) * 1000000u + (nano ? 5u * (unsigned)i : 5000u * (unsigned)i);
            CHECK_EQ_INT(f.ts_usec, want);
        }
        CHECK_EQ_INT(capture_next(src, &f), CAPTURE_END);
        capture_close(src);

        /* Cut in the middle of the fourth packet block. */
        tmp_path(path, sizeof(path), nano ? "nano-cut.pcapng" : "micro-cut.pcapng");
        file_write(path, buf, ends[2] + 30);
        src = file_open(path, NULL, err, sizeof(err));
        CHECK(src != NULL);
        if (!src)
            continue;
        enum capture_result last;
        CHECK_EQ_INT(read_all(src, &last, true), 3);
        CHECK_EQ_INT(last, CAPTURE_ERROR);
        CHECK(strstr(capture_error(src), path) != NULL);
        snprintf(needle, sizeof(needle), "byte offset %zu,", ends[2]);
        CHECK(strstr(capture_error(src), needle) != NULL);
        fprintf(stderr, "expected error: %s\n", capture_error(src));
        capture_close(src);
    }
}

/* Classic pcap cut inside the data of record 4, and inside its header. */
static void test_truncated(void)
{
    char path[512], err[1024], needle[128];
    long rec4 = 24;
    for (int i = 0; i < 3; i++)
        rec4 += 16 + (long)frame_len[i];
    const long cuts[] = {rec4 + 16 + 10, rec4 + 7};
    for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
        tmp_path(path, sizeof(path), c ? "cut-header.pcap" : "cut-data.pcap");
        pcap_write(path, DLT_EN10MB, PCAP_TSTAMP_PRECISION_MICRO, NFRAMES);
        CHECK(file_size(path) > cuts[c]);
        file_truncate(path, cuts[c]);
        struct capture_source *src = file_open(path, NULL, err, sizeof(err));
        CHECK(src != NULL);
        if (!src)
            continue;
        enum capture_result last;
        CHECK_EQ_INT(read_all(src, &last, true), 3);
        CHECK_EQ_INT(last, CAPTURE_ERROR);
        const char *e = capture_error(src);
        fprintf(stderr, "expected error: %s\n", e);
        CHECK(strstr(e, path) != NULL);
        snprintf(needle, sizeof(needle), "byte offset %ld,", rec4);
        CHECK(strstr(e, needle) != NULL);
        CHECK(strstr(e, "after packet 3") != NULL);
        /* The error is sticky. */
        struct capture_frame f;
        CHECK_EQ_INT(capture_next(src, &f), CAPTURE_ERROR);
        capture_close(src);
    }
}

static void test_corrupt(void)
{
    char path[512], err[1024], needle[128];
    /* Not a capture file at all. */
    tmp_path(path, sizeof(path), "garbage.pcap");
    const char garbage[] = "this is not a capture file, just some text to read";
    file_write(path, garbage, sizeof(garbage));
    struct capture_source *src = file_open(path, NULL, err, sizeof(err));
    CHECK(src == NULL);
    CHECK(strstr(err, path) != NULL);
    fprintf(stderr, "expected error: %s\n", err);

    /* Empty file. */
    tmp_path(path, sizeof(path), "empty.pcap");
    file_write(path, "", 0);
    src = file_open(path, NULL, err, sizeof(err));
    CHECK(src == NULL);
    CHECK(strstr(err, path) != NULL);

    /* Header only: a valid, empty capture. */
    tmp_path(path, sizeof(path), "header-only.pcap");
    pcap_write(path, DLT_EN10MB, PCAP_TSTAMP_PRECISION_MICRO, 0);
    src = file_open(path, NULL, err, sizeof(err));
    CHECK(src != NULL);
    if (src) {
        struct capture_frame f;
        CHECK_EQ_INT(capture_next(src, &f), CAPTURE_END);
        capture_close(src);
    }

    /* Record 3 claims an absurd captured length. */
    tmp_path(path, sizeof(path), "bad-record.pcap");
    pcap_write(path, DLT_EN10MB, PCAP_TSTAMP_PRECISION_MICRO, NFRAMES);
    long rec3 = 24 + 16 + (long)frame_len[0] + 16 + (long)frame_len[1];
    FILE *fp = fopen(path, "r+b");
    CHECK(fp != NULL);
    if (fp) {
        uint32_t huge = 0x7ffffff0u;
        fseek(fp, rec3 + 8, SEEK_SET);
        fwrite(&huge, 4, 1, fp);
        fclose(fp);
    }
    src = file_open(path, NULL, err, sizeof(err));
    CHECK(src != NULL);
    if (src) {
        enum capture_result last;
        CHECK_EQ_INT(read_all(src, &last, true), 2);
        CHECK_EQ_INT(last, CAPTURE_ERROR);
        snprintf(needle, sizeof(needle), "byte offset %ld,", rec3);
        CHECK(strstr(capture_error(src), needle) != NULL);
        CHECK(strstr(capture_error(src), path) != NULL);
        fprintf(stderr, "expected error: %s\n", capture_error(src));
        capture_close(src);
    }
}

static void test_missing(void)
{
    char path[512], err[1024];
    tmp_path(path, sizeof(path), "does-not-exist.pcap");
    CHECK(!capture_file_exists(path));
    CHECK(!capture_file_exists(tmpdir)); /* a directory */
    CHECK(!capture_file_exists(""));
    CHECK(capture_file_exists("-"));
    struct capture_source *src = file_open(path, NULL, err, sizeof(err));
    CHECK(src == NULL);
    CHECK(strstr(err, path) != NULL);
    CHECK(strstr(err, "No such file") != NULL);
    fprintf(stderr, "expected error: %s\n", err);
    src = file_open(tmpdir, NULL, err, sizeof(err));
    CHECK(src == NULL);
    CHECK(strstr(err, tmpdir) != NULL);
    struct capture_options o = {.kind = CAPTURE_PCAP_FILE};
    CHECK(capture_open(&o, err, sizeof(err)) == NULL);
    CHECK(err[0] != '\0');
}

static bool accept_radiotap(int datalink)
{
    return datalink == DLT_IEEE802_11_RADIO;
}

static void test_linktypes(void)
{
    char path[512], err[1024];
    tmp_path(path, sizeof(path), "radiotap.pcap");
    pcap_write(path, DLT_IEEE802_11_RADIO, PCAP_TSTAMP_PRECISION_MICRO, 1);
    struct capture_source *src = file_open(path, NULL, err, sizeof(err));
    CHECK(src == NULL);
    CHECK(strstr(err, path) != NULL);
    CHECK(strstr(err, "IEEE802_11_RADIO") != NULL);
    CHECK(strstr(err, "unsupported link type") != NULL);
    fprintf(stderr, "expected error: %s\n", err);
    /* The decoder's own predicate widens the list. */
    struct capture_options o = {
        .kind = CAPTURE_PCAP_FILE, .name = path, .datalink_supported = accept_radiotap};
    src = capture_open(&o, err, sizeof(err));
    CHECK(src != NULL);
    if (src) {
        CHECK_EQ_INT(capture_datalink(src), DLT_IEEE802_11_RADIO);
        capture_close(src);
    }

    const int supported[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW,
                             DLT_IPV4,   DLT_IPV6,      DLT_NULL,       DLT_LOOP};
    for (size_t i = 0; i < sizeof(supported) / sizeof(supported[0]); i++) {
        CHECK(capture_datalink_supported(supported[i]));
        snprintf(path, sizeof(path), "%s/dlt-%d.pcap", tmpdir, supported[i]);
        pcap_write(path, supported[i], PCAP_TSTAMP_PRECISION_MICRO, 2);
        src = file_open(path, NULL, err, sizeof(err));
        CHECK(src != NULL);
        if (!src) {
            fprintf(stderr, "dlt %d: %s\n", supported[i], err);
            continue;
        }
        CHECK_EQ_INT(capture_datalink(src), supported[i]);
        struct capture_frame f;
        CHECK_EQ_INT(capture_next(src, &f), CAPTURE_OK);
        CHECK_EQ_INT(f.datalink, supported[i]);
        capture_close(src);
    }
    CHECK(!capture_datalink_supported(DLT_IEEE802_11));
    CHECK(!capture_datalink_supported(DLT_PPP));
}

static void test_filter(void)
{
    char path[512], err[1024];
    tmp_path(path, sizeof(path), "filter.pcap");
    pcap_write(path, DLT_EN10MB, PCAP_TSTAMP_PRECISION_MICRO, NFRAMES);
    /* frames 0 and 4 are udp/53, 2 is udp/123, 1 and 3 tcp/80 */
    struct {
        const char *expr;
        int count;
        int first;
    } cases[] = {
        {"udp port 53", 2, 0}, {"tcp", 2, 1}, {"udp", 3, 0}, {"port 123", 1, 2}, {"icmp", 0, -1}};
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        struct capture_source *src = file_open(path, cases[c].expr, err, sizeof(err));
        CHECK(src != NULL);
        if (!src)
            continue;
        struct capture_frame f;
        int n = 0;
        enum capture_result r;
        while ((r = capture_next(src, &f)) == CAPTURE_OK) {
            if (n == 0 && cases[c].first >= 0)
                CHECK(memcmp(f.data, frames[cases[c].first], frame_len[cases[c].first]) == 0);
            n++;
        }
        CHECK_EQ_INT(r, CAPTURE_END);
        CHECK_EQ_INT(n, cases[c].count);
        capture_close(src);
    }
    const char *bad = "udp port 99999999 and (";
    struct capture_source *src = file_open(path, bad, err, sizeof(err));
    CHECK(src == NULL);
    CHECK(strstr(err, bad) != NULL);
    CHECK(strstr(err, path) != NULL);
    fprintf(stderr, "expected error: %s\n", err);
}

static void test_break(void)
{
    char path[512], err[1024];
    tmp_path(path, sizeof(path), "micro.pcap");
    struct capture_source *src = file_open(path, NULL, err, sizeof(err));
    CHECK(src != NULL);
    if (!src)
        return;
    struct capture_frame f;
    CHECK_EQ_INT(capture_next(src, &f), CAPTURE_OK);
    capture_break(src);
    CHECK_EQ_INT(capture_next(src, &f), CAPTURE_END);
    CHECK_EQ_INT(capture_next(src, &f), CAPTURE_END);
    capture_close(src);
    capture_break(NULL);
    capture_close(NULL);
}

/* A truncated classic pcap arriving through a pipe on stdin: the frames,
 * then an error that says the offset is unknown. */
static void test_stdin_pipe(void)
{
    char path[512], err[1024];
    tmp_path(path, sizeof(path), "cut-data.pcap");
    FILE *in = fopen(path, "rb");
    CHECK(in != NULL);
    if (!in)
        return;
    static uint8_t data[8192];
    size_t len = fread(data, 1, sizeof(data), in);
    fclose(in);
    int p[2];
    CHECK_EQ_INT(pipe(p), 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        ssize_t w = write(p[1], data, len);
        _exit(w == (ssize_t)len ? 0 : 1);
    }
    close(p[1]);
    int saved = dup(STDIN_FILENO);
    dup2(p[0], STDIN_FILENO);
    close(p[0]);
    struct capture_source *src = file_open("-", NULL, err, sizeof(err));
    CHECK(src != NULL);
    if (src) {
        enum capture_result last;
        CHECK_EQ_INT(read_all(src, &last, true), 3);
        CHECK_EQ_INT(last, CAPTURE_ERROR);
        CHECK(strstr(capture_error(src), "'-'") != NULL);
        CHECK(strstr(capture_error(src), "after packet 3") != NULL);
        fprintf(stderr, "expected error: %s\n", capture_error(src));
        capture_close(src);
    }
    dup2(saved, STDIN_FILENO);
    close(saved);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Every capture listed in the shared INDEX.tsv yields its frame count. */
static void test_shared_pcaps(void)
{
    const char *shared = getenv("VIGIL_SHARED");
    char path[1024], err[1024], line[4096];
    snprintf(path, sizeof(path), "%s/pcaps/INDEX.tsv", shared ? shared : "../../shared");
    FILE *idx = fopen(path, "r");
    CHECK(idx != NULL);
    if (!idx)
        return;
    int files = 0;
    while (fgets(line, sizeof(line), idx)) {
        char file[512], link[64];
        long frames_expected;
        if (sscanf(line, "%511[^\t]\t%63[^\t]\t%ld", file, link, &frames_expected) != 3)
            continue; /* header */
        snprintf(path, sizeof(path), "%s/pcaps/%s", shared ? shared : "../../shared", file);
        struct capture_source *src = file_open(path, NULL, err, sizeof(err));
        CHECK(src != NULL);
        if (!src) {
            fprintf(stderr, "%s\n", err);
            continue;
        }
        struct capture_frame f;
        long n = 0;
        enum capture_result r;
        while ((r = capture_next(src, &f)) == CAPTURE_OK) {
            CHECK(f.caplen <= f.wirelen);
            n++;
        }
        CHECK_EQ_INT(r, CAPTURE_END);
        if (n != frames_expected)
            fprintf(stderr, "%s: %ld frames, INDEX says %ld\n", file, n, frames_expected);
        CHECK_EQ_INT(n, frames_expected);
        capture_close(src);
        files++;
    }
    fclose(idx);
    fprintf(stderr, "read %d shared captures\n", files);
    CHECK(files >= 50);
}

/* Random byte flips and cuts of a valid pcap and pcapng file: every run must
 * end with CAPTURE_END or an error naming the file, never crash or hang
 * (run under ASan/UBSan in CI). Deterministic: fixed seed. */
static void test_random_corruption(void)
{
    static uint8_t base[2][8192], buf[8192];
    size_t base_len[2];
    char path[512], err[1024];
    tmp_path(path, sizeof(path), "micro.pcap");
    FILE *in = fopen(path, "rb");
    CHECK(in != NULL);
    if (!in)
        return;
    base_len[0] = fread(base[0], 1, sizeof(base[0]), in);
    fclose(in);
    base_len[1] = pcapng_build(base[1], NFRAMES, false, NULL);
    tmp_path(path, sizeof(path), "fuzzed.cap");
    uint32_t seed = 12345;
    int opened = 0, errors = 0, ends = 0;
    for (int iter = 0; iter < 1000; iter++) {
        int which = iter % 2;
        size_t len = base_len[which];
        memcpy(buf, base[which], len);
        seed = seed * 1103515245u + 12345u;
        int flips = 1 + (int)((seed >> 16) % 4);
        for (int k = 0; k < flips; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t pos = (seed >> 8) % len;
            seed = seed * 1103515245u + 12345u;
            buf[pos] = (uint8_t)(seed >> 16);
        }
        seed = seed * 1103515245u + 12345u;
        if ((seed >> 16) % 4 == 0)
            len = (seed >> 4) % len;
        file_write(path, buf, len);
        struct capture_source *src = file_open(path, NULL, err, sizeof(err));
        if (!src) {
            CHECK(strstr(err, path) != NULL);
            continue;
        }
        opened++;
        struct capture_frame f;
        enum capture_result r;
        int n = 0;
        while ((r = capture_next(src, &f)) == CAPTURE_OK && n < 10000) {
            CHECK(f.caplen <= 262144);
            if (f.caplen)
                CHECK(f.data != NULL);
            n++;
        }
        CHECK(r == CAPTURE_END || r == CAPTURE_ERROR);
        if (r == CAPTURE_ERROR) {
            CHECK(strstr(capture_error(src), path) != NULL);
            errors++;
        } else {
            ends++;
        }
        capture_close(src);
    }
    fprintf(stderr, "corruption: 1000 files, %d opened, %d read errors, %d clean ends\n", opened,
            errors, ends);
    CHECK(opened > 0 && errors > 0);
}

static void test_live_errors(void)
{
    char err[1024];
    const enum capture_kind kinds[] = {CAPTURE_PCAP_LIVE, CAPTURE_AF_PACKET};
    for (size_t i = 0; i < 2; i++) {
        struct capture_options o = {.kind = kinds[i], .name = "vigil-nosuch0"};
        struct capture_source *src = capture_open(&o, err, sizeof(err));
        CHECK(src == NULL);
        CHECK(strstr(err, "vigil-nosuch0") != NULL);
        fprintf(stderr, "expected error: %s\n", err);
    }
    struct capture_options o = {.kind = CAPTURE_AF_PACKET,
                                .name = "an-interface-name-that-is-too-long"};
    CHECK(capture_open(&o, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "too long") != NULL);
}

int main(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof(tmpdir), "%s/vigil-capture-XXXXXX", base ? base : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    frames_init();
    test_pcap_micro();
    test_pcap_nano();
    test_pcapng();
    test_truncated();
    test_corrupt();
    test_missing();
    test_linktypes();
    test_filter();
    test_break();
    test_stdin_pipe();
    test_shared_pcaps();
    test_random_corruption();
    test_live_errors();
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    TEST_MAIN_END();
}
