/* SPDX-License-Identifier: Apache-2.0 */
/* Capture-file reading (libpcap + our offset/error handling): the input is a
 * pcap or pcapng file held in a memfd. Every run must end with CAPTURE_END
 * or an error that names the file. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture/capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz-capture", 0);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64], err[1024];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    struct capture_options o = {.kind = CAPTURE_PCAP_FILE, .name = path};
    struct capture_source *src = capture_open(&o, err, sizeof(err));
    if (src) {
        struct capture_frame f;
        enum capture_result r;
        uint64_t sum = 0;
        while ((r = capture_next(src, &f)) == CAPTURE_OK)
            if (f.caplen)
                sum += f.data[f.caplen - 1];
        if (r == CAPTURE_ERROR && !strstr(capture_error(src), path))
            __builtin_trap();
        capture_close(src);
        (void)sum;
    } else if (!strstr(err, path)) {
        __builtin_trap();
    }
    close(fd);
    return 0;
}
