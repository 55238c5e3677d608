/* SPDX-License-Identifier: Apache-2.0 */
/* Decodes every frame of every capture under $VIGIL_SHARED/pcaps and compares
 * the decoded header fields with tshark's, from <category>/expected/
 * <name>.pcap.decode.tsv. Prints per-file disagreements (the first few) and
 * the overall agreement: fields that agree / fields that either side has.
 * The test fails below 99% agreement, or if any capture cannot be read. */
#include <arpa/inet.h>
#include <dirent.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "test.h"

#define MAX_COLS 64

struct tsv {
    char *buf;
    char **lines;
    size_t nlines;
    int col[MAX_COLS]; /* unused */
    char *names[MAX_COLS];
    int ncols;
};

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    if (b)
        b[n] = '\0';
    fclose(f);
    return b;
}

/* Splits a line into tab-separated cells in place. */
static int split_tabs(char *line, char **cells, int max)
{
    int n = 0;
    cells[n++] = line;
    for (char *c = line; *c && n < max; c++) {
        if (*c == '\t') {
            *c = '\0';
            cells[n++] = c + 1;
        }
    }
    return n;
}

static int col_index(char **names, int n, const char *want)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], want) == 0)
            return i;
    return -1;
}

/* The k-th comma-separated element of s (negative k counts from the end)
 * copied into out; false if absent or empty. */
static bool element(const char *s, int k, char *out, size_t outlen)
{
    if (s == NULL || *s == '\0')
        return false;
    int n = 1;
    for (const char *c = s; *c; c++)
        n += *c == ',';
    if (k < 0)
        k += n;
    if (k < 0 || k >= n)
        return false;
    const char *start = s;
    for (int i = 0; i < k; i++)
        start = strchr(start, ',') + 1;
    const char *end = strchr(start, ',');
    size_t len = end ? (size_t)(end - start) : strlen(start);
    if (len == 0 || len >= outlen)
        return false;
    memcpy(out, start, len);
    out[len] = '\0';
    return true;
}

static int count_elements(const char *s)
{
    if (s == NULL || *s == '\0')
        return 0;
    int n = 1;
    for (const char *c = s; *c; c++)
        n += *c == ',';
    return n;
}

static long long compared, agreed, frames_total, frames_agree;
static int file_mismatch_prints;

struct frame_check {
    const char *file;
    long frame;
    bool all_ok;
};

/* Compares one numeric field. have: whether the decoder produced a value. */
static void cmp_num(struct frame_check *fc, const char *name, const char *exp, bool have,
                    unsigned long long ours, unsigned long long mask)
{
    bool exp_have = exp != NULL && *exp != '\0';
    if (!exp_have && !have)
        return;
    compared++;
    bool ok = exp_have && have && (strtoull(exp, NULL, 0) & mask) == (ours & mask);
    if (ok) {
        agreed++;
        return;
    }
    fc->all_ok = false;
    if (file_mismatch_prints++ < 6)
        fprintf(stderr, "  %s frame %ld: %s expected '%s' decoded %s%llu\n", fc->file, fc->frame,
                name, exp_have ? exp : "", have ? "" : "(none) ", have ? ours : 0ull);
}

static void cmp_addr(struct frame_check *fc, const char *name, const char *exp, bool have,
                     const struct ip_address *a)
{
    bool exp_have = exp != NULL && *exp != '\0';
    if (!exp_have && !have)
        return;
    compared++;
    bool ok = false;
    char ours[64] = "(none)";
    if (have) {
        if (a->family == 4)
            inet_ntop(AF_INET, a->addr.u8 + 12, ours, sizeof(ours));
        else
            inet_ntop(AF_INET6, a->addr.u8, ours, sizeof(ours));
    }
    if (exp_have && have) {
        uint8_t buf[16];
        if (a->family == 4 && inet_pton(AF_INET, exp, buf) == 1)
            ok = memcmp(buf, a->addr.u8 + 12, 4) == 0;
        else if (a->family == 6 && inet_pton(AF_INET6, exp, buf) == 1)
            ok = memcmp(buf, a->addr.u8, 16) == 0;
    }
    if (ok) {
        agreed++;
        return;
    }
    fc->all_ok = false;
    if (file_mismatch_prints++ < 6)
        fprintf(stderr, "  %s frame %ld: %s expected '%s' decoded %s\n", fc->file, fc->frame, name,
                exp_have ? exp : "", ours);
}

static const char *cell(char **cells, int n, int idx)
{
    return idx >= 0 && idx < n ? cells[idx] : "";
}

static int check_capture(const char *dir, const char *name)
{
    char path[8192], tsvpath[8192];
    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path) ||
        snprintf(tsvpath, sizeof(tsvpath), "%s/expected/%s.decode.tsv", dir, name) >=
            (int)sizeof(tsvpath))
        return -1;
    char *tsvbuf = read_file(tsvpath);
    if (tsvbuf == NULL)
        return 0; /* no oracle for this file */
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(path, errbuf);
    if (pc == NULL) {
        fprintf(stderr, "%s: cannot open: %s\n", path, errbuf);
        free(tsvbuf);
        return -1;
    }
    /* index the TSV lines */
    size_t cap = 1024, n = 0;
    char **lines = malloc(cap * sizeof(*lines));
    for (char *l = strtok(tsvbuf, "\n"); l; l = strtok(NULL, "\n")) {
        if (n == cap) {
            cap *= 2;
            lines = realloc(lines, cap * sizeof(*lines));
        }
        lines[n++] = l;
    }
    char *names[MAX_COLS];
    int ncols = split_tabs(lines[0], names, MAX_COLS);
    int c_vlan = col_index(names, ncols, "vlan.id"), c_ipsrc = col_index(names, ncols, "ip.src"),
        c_ipdst = col_index(names, ncols, "ip.dst"),
        c_ipproto = col_index(names, ncols, "ip.proto"), c_ipid = col_index(names, ncols, "ip.id"),
        c_mf = col_index(names, ncols, "ip.flags.mf"),
        c_off = col_index(names, ncols, "ip.frag_offset"),
        c_6src = col_index(names, ncols, "ipv6.src"), c_6dst = col_index(names, ncols, "ipv6.dst"),
        c_tsp = col_index(names, ncols, "tcp.srcport"),
        c_tdp = col_index(names, ncols, "tcp.dstport"),
        c_tfl = col_index(names, ncols, "tcp.flags"),
        c_tseq = col_index(names, ncols, "tcp.seq_raw"),
        c_tlen = col_index(names, ncols, "tcp.len"), c_usp = col_index(names, ncols, "udp.srcport"),
        c_udp_dp = col_index(names, ncols, "udp.dstport"),
        c_ulen = col_index(names, ncols, "udp.length"), c_it = col_index(names, ncols, "icmp.type"),
        c_ic = col_index(names, ncols, "icmp.code"), c_i6t = col_index(names, ncols, "icmpv6.type"),
        c_i6c = col_index(names, ncols, "icmpv6.code"),
        c_protos = col_index(names, ncols, "frame.protocols");

    struct decode_config cfg;
    decode_config_defaults(&cfg);
    struct decode_thread_ctx *ctx = decode_thread_ctx_new(&cfg);
    struct packet p;
    memset(&p, 0, sizeof(p));
    p.datalink = pcap_datalink(pc);
    struct pcap_pkthdr *h;
    const u_char *data;
    long frame = 0;
    file_mismatch_prints = 0;
    long long before_cmp = compared, before_ok = agreed;
    while (pcap_next_ex(pc, &h, &data) == 1) {
        frame++;
        p.data = data;
        p.caplen = h->caplen;
        p.wirelen = h->len;
        p.ts_usec = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
        p.pcap_cnt = (uint64_t)frame;
        decode_packet(ctx, &p);
        if ((size_t)frame >= n)
            continue;
        char *cells[MAX_COLS];
        int nc = split_tabs(lines[frame], cells, MAX_COLS);
        struct frame_check fc = {name, frame, true};
        char e[256];
        bool icmp_err = p.icmp_inner_proto != 0;
        bool frag = (p.flags & PACKET_FLAG_FRAGMENT) != 0;
        bool reasm = (p.flags & PACKET_FLAG_REASSEMBLED) != 0;

        /* VLANs: every id, in order. tshark names 802.1ad (0x88a8) tags
         * ieee8021ad.id, not vlan.id, so those are skipped. */
        const char *vl = cell(cells, nc, c_vlan);
        int nv = count_elements(vl);
        int skip = 0;
        for (const char *q = cell(cells, nc, c_protos); (q = strstr(q, "ieee8021ad")) != NULL; q++)
            skip++;
        int ours_n = p.vlan_count > skip ? p.vlan_count - skip : 0;
        int maxv = nv > ours_n ? nv : ours_n;
        for (int i = 0; i < maxv; i++) {
            bool he = element(vl, i, e, sizeof(e));
            cmp_num(&fc, "vlan.id", he ? e : "", i < ours_n, p.vlan_id[i + skip], ~0ull);
        }
        /* IPv4: the innermost header tshark shows, or the one before the
         * quoted header of an ICMP error */
        bool v4 = p.ip_version == 4;
        int k4 = (icmp_err && v4) ? -2 : -1;
        const char *s4 = cell(cells, nc, c_ipsrc);
        if (!v4 && count_elements(s4) > 0 && p.ip_version == 6 &&
            (p.flags & PACKET_FLAG_TUNNELED)) {
            /* 6in4: tshark's ip.* is the outer header, which we crossed */
        } else {
            cmp_addr(&fc, "ip.src", element(s4, k4, e, sizeof(e)) ? e : "", v4, &p.src);
            cmp_addr(&fc, "ip.dst", element(cell(cells, nc, c_ipdst), k4, e, sizeof(e)) ? e : "",
                     v4, &p.dst);
            cmp_num(&fc, "ip.proto", element(cell(cells, nc, c_ipproto), k4, e, sizeof(e)) ? e : "",
                    v4, p.proto, ~0ull);
            cmp_num(&fc, "ip.id", element(cell(cells, nc, c_ipid), k4, e, sizeof(e)) ? e : "", v4,
                    p.ip_id, ~0ull);
            if (!reasm) {
                cmp_num(&fc, "ip.flags.mf",
                        element(cell(cells, nc, c_mf), k4, e, sizeof(e)) ? e : "", v4, p.frag_more,
                        ~0ull);
                cmp_num(&fc, "ip.frag_offset",
                        element(cell(cells, nc, c_off), k4, e, sizeof(e)) ? e : "", v4,
                        p.frag_offset, ~0ull);
            }
        }
        bool v6 = p.ip_version == 6;
        int k6 = (icmp_err && v6) ? -2 : -1;
        cmp_addr(&fc, "ipv6.src", element(cell(cells, nc, c_6src), k6, e, sizeof(e)) ? e : "", v6,
                 &p.src);
        cmp_addr(&fc, "ipv6.dst", element(cell(cells, nc, c_6dst), k6, e, sizeof(e)) ? e : "", v6,
                 &p.dst);
        bool tcp = p.proto == 6 && p.l4 != NULL && !frag;
        bool udp = p.proto == 17 && p.l4 != NULL && !frag;
        if (icmp_err) {
            /* tshark dissects the quoted transport header; compare ports */
            bool it = p.icmp_inner_proto == 6, iu = p.icmp_inner_proto == 17;
            cmp_num(&fc, "tcp.srcport", element(cell(cells, nc, c_tsp), -1, e, sizeof(e)) ? e : "",
                    it, p.icmp_inner_src_port, ~0ull);
            cmp_num(&fc, "udp.srcport", element(cell(cells, nc, c_usp), -1, e, sizeof(e)) ? e : "",
                    iu, p.icmp_inner_src_port, ~0ull);
            cmp_num(&fc, "udp.dstport",
                    element(cell(cells, nc, c_udp_dp), -1, e, sizeof(e)) ? e : "", iu,
                    p.icmp_inner_dst_port, ~0ull);
        } else {
            cmp_num(&fc, "tcp.srcport", element(cell(cells, nc, c_tsp), -1, e, sizeof(e)) ? e : "",
                    tcp, p.src_port, ~0ull);
            cmp_num(&fc, "tcp.dstport", element(cell(cells, nc, c_tdp), -1, e, sizeof(e)) ? e : "",
                    tcp, p.dst_port, ~0ull);
            cmp_num(&fc, "tcp.flags", element(cell(cells, nc, c_tfl), -1, e, sizeof(e)) ? e : "",
                    tcp, p.tcp_flags, 0xff);
            cmp_num(&fc, "tcp.seq_raw", element(cell(cells, nc, c_tseq), -1, e, sizeof(e)) ? e : "",
                    tcp, p.tcp_seq, ~0ull);
            cmp_num(&fc, "tcp.len", element(cell(cells, nc, c_tlen), -1, e, sizeof(e)) ? e : "",
                    tcp, p.payload_len, ~0ull);
            cmp_num(&fc, "udp.srcport", element(cell(cells, nc, c_usp), -1, e, sizeof(e)) ? e : "",
                    udp, p.src_port, ~0ull);
            cmp_num(&fc, "udp.dstport",
                    element(cell(cells, nc, c_udp_dp), -1, e, sizeof(e)) ? e : "", udp, p.dst_port,
                    ~0ull);
            cmp_num(&fc, "udp.length", element(cell(cells, nc, c_ulen), -1, e, sizeof(e)) ? e : "",
                    udp, p.l4_len, ~0ull);
        }
        bool icmp4 = p.proto == 1 && p.l4 != NULL && !frag;
        bool icmp6 = p.proto == 58 && p.l4 != NULL && !frag;
        cmp_num(&fc, "icmp.type", element(cell(cells, nc, c_it), 0, e, sizeof(e)) ? e : "", icmp4,
                p.icmp_type, ~0ull);
        cmp_num(&fc, "icmp.code", element(cell(cells, nc, c_ic), 0, e, sizeof(e)) ? e : "", icmp4,
                p.icmp_code, ~0ull);
        cmp_num(&fc, "icmpv6.type", element(cell(cells, nc, c_i6t), 0, e, sizeof(e)) ? e : "",
                icmp6, p.icmp_type, ~0ull);
        cmp_num(&fc, "icmpv6.code", element(cell(cells, nc, c_i6c), 0, e, sizeof(e)) ? e : "",
                icmp6, p.icmp_code, ~0ull);
        frames_total++;
        frames_agree += fc.all_ok;
        if (!fc.all_ok && file_mismatch_prints <= 8) {
            fprintf(stderr, "  %s frame %ld: flags 0x%x events:", name, frame, p.flags);
            for (int i = 0; i < p.event_count; i++)
                fprintf(stderr, " %s", decode_event_name((enum decode_event)p.events[i]));
            fprintf(stderr, "\n");
        }
    }
    if ((size_t)frame + 1 != n)
        fprintf(stderr, "  %s: %ld frames read, oracle has %zu\n", name, frame, n - 1);
    long long fc_ = compared - before_cmp, fa = agreed - before_ok;
    if (fa != fc_)
        fprintf(stderr, "%s/%s: %lld/%lld fields agree\n", dir, name, fa, fc_);
    decode_thread_ctx_free(ctx);
    pcap_close(pc);
    free(lines);
    free(tsvbuf);
    return 0;
}

int main(void)
{
    const char *shared = getenv("VIGIL_SHARED");
    if (shared == NULL)
        shared = "../../shared";
    char root[2048];
    if (snprintf(root, sizeof(root), "%s/pcaps", shared) >= (int)sizeof(root))
        return 1;
    DIR *rd = opendir(root);
    if (rd == NULL) {
        fprintf(stderr, "%s: cannot open directory\n", root);
        return 1;
    }
    int files = 0;
    struct dirent *de;
    char *cats[64];
    int ncats = 0;
    while ((de = readdir(rd)) != NULL && ncats < 64)
        if (de->d_name[0] != '.')
            cats[ncats++] = strdup(de->d_name);
    closedir(rd);
    for (int c = 0; c < ncats; c++) {
        char dir[4096];
        if (snprintf(dir, sizeof(dir), "%s/%.200s", root, cats[c]) >= (int)sizeof(dir)) {
            free(cats[c]);
            continue;
        }
        DIR *d = opendir(dir);
        if (d == NULL) {
            free(cats[c]);
            continue;
        }
        while ((de = readdir(d)) != NULL) {
            size_t l = strlen(de->d_name);
            if (l < 5 || (strcmp(de->d_name + l - 5, ".pcap") != 0 &&
                          (l < 7 || strcmp(de->d_name + l - 7, ".pcapng") != 0)))
                continue;
            CHECK(check_capture(dir, de->d_name) == 0);
            files++;
        }
        closedir(d);
        free(cats[c]);
    }
    double pct = compared ? 100.0 * (double)agreed / (double)compared : 0;
    fprintf(stderr,
            "decode agreement with tshark: %lld/%lld fields (%.3f%%), %lld/%lld frames fully "
            "agree, %d captures\n",
            agreed, compared, pct, frames_agree, frames_total, files);
    CHECK(files > 0);
    CHECK(pct >= 99.0);
    TEST_MAIN_END();
}
