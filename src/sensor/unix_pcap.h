/* SPDX-License-Identifier: Apache-2.0 */
/* The queue of Suricata's unix-socket run mode (pcap-file commands), see
 * unix_pcap.c. Internal to src/sensor/. */
#ifndef VIGIL_SENSOR_UNIX_PCAP_H
#define VIGIL_SENSOR_UNIX_PCAP_H

#include <stdbool.h>
#include <stdint.h>

struct unix_pcap_job {
    char *file;       /* owned */
    char *output_dir; /* owned */
    bool delete_when_done;
};

/* Registers the pcap-* commands on the control socket. 0 or -errno. */
int unix_pcap_register(void);
/* Takes the next queued file, waiting up to timeout_ms. */
bool unix_pcap_next(struct unix_pcap_job *job, uint32_t timeout_ms);
/* pcap-interrupt was asked for the file being processed. */
bool unix_pcap_interrupted(void);
/* The job is done: deletes the file if asked, records the time of its last
 * packet for pcap-last-processed, frees the job's strings. */
void unix_pcap_done(struct unix_pcap_job *job, uint64_t last_packet_usec);
/* Drops what is still queued (shutdown). */
void unix_pcap_clear(void);

#endif
