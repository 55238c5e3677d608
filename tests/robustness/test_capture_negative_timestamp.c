/* SPDX-License-Identifier: Apache-2.0 */
/* Regression test for "capture negative timestamp": libpcap reads the classic
 * pcap record's seconds and microseconds as signed 32-bit values, so a record
 * at 0xffffffff seconds, at 0x80000000 seconds, or with a corrupt
 * microseconds field of 4e9 reached the sensor as a microsecond time near
 * 2^64 (EVE printed the year 586524). The fields are unsigned in the format:
 * the frame time must be the unsigned value, and never wrap. */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "capture/capture.h"
#include "test.h"

struct record {
    uint32_t sec, usec;
};

static const struct record records[] = {
    {1700000000u, 5u},          /* an ordinary time */
    {0xffffffffu, 0u},          /* 2106-02-07: seconds with the top bit set */
    {0x80000000u, 999999u},     /* 2038-01-19 plus one second */
    {0u, 4000000000u},          /* corrupt microseconds: carries into seconds */
    {5u, 0xffffffffu},          /* the largest corrupt microseconds */
};

static int write_pcap(const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    const uint32_t file_header[6] = {0xa1b2c3d4u, 0x00040002u, 0, 0, 65535, 1};
    fwrite(file_header, sizeof(file_header), 1, f);
    uint8_t frame[60] = {0};
    frame[12] = 0x08; /* Ethernet, IPv4 ethertype; the payload is irrelevant */
    for (size_t i = 0; i < sizeof(records) / sizeof(records[0]); i++) {
        const uint32_t h[4] = {records[i].sec, records[i].usec, sizeof(frame), sizeof(frame)};
        fwrite(h, sizeof(h), 1, f);
        fwrite(frame, sizeof(frame), 1, f);
    }
    return fclose(f);
}

int main(void)
{
    char path[] = "/tmp/vigil-capture-ts-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        TEST_MAIN_END();
    close(fd);
    CHECK_EQ_INT(write_pcap(path), 0);

    char err[512] = "";
    struct capture_options o = {.kind = CAPTURE_PCAP_FILE, .name = path};
    struct capture_source *src = capture_open(&o, err, sizeof(err));
    CHECK(src != NULL);
    if (src) {
        struct capture_frame f;
        size_t n = 0;
        while (capture_next(src, &f) == CAPTURE_OK && n < 5) {
            uint64_t want = (uint64_t)records[n].sec * 1000000u + records[n].usec;
            CHECK_EQ_INT((long long)f.ts_usec, (long long)want);
            /* before the fix these were above 2^63 */
            CHECK(f.ts_usec < (1ull << 53));
            n++;
        }
        CHECK_EQ_INT(n, 5);
        capture_close(src);
    }
    unlink(path);
    TEST_MAIN_END();
}
