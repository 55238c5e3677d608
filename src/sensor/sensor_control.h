/* SPDX-License-Identifier: Apache-2.0 */
/* Operating a running sensor: the commands of the unix control socket
 * (control_sensor.c, in Suricata's protocol: util/control.h), the counter
 * snapshots they read, and the optional Prometheus endpoint (metrics.c).
 * Internal to src/sensor/. */
#ifndef VIGIL_SENSOR_CONTROL_H
#define VIGIL_SENSOR_CONTROL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct worker;
struct config;
struct sensor_config;
struct sensor_options;
struct capture_source;
struct capture_stats;

/* What the control socket and metrics see of the running sensor; filled by
 * run.c once the workers exist, valid until sensor_control_stop(). */
struct sensor_runtime {
    pthread_mutex_t lock;      /* one snapshot collection at a time */
    struct worker *workers;
    int nworkers;
    const char *running_mode;  /* Suricata's names: "single", "autofp", "workers" */
    const char *capture_mode;  /* "PCAP_FILE", "PCAP_DEV", "AF_PACKET_DEV", "UNIX_SOCKET" */
    const char *iface;         /* live capture interface, else NULL */
    uint64_t start_mono_sec;
    const struct config *cfg;
    const struct sensor_config *sc;
};

/* The socket's path from --unix-socket[=PATH] and unix-command.enabled /
 * .filename (relative names are under /run/vigil/, as Suricata's are under
 * its run directory). "auto" enables it in live and unix-socket modes.
 * Returns false when the socket is off. */
bool sensor_control_path(const struct config *cfg, const struct sensor_options *o, bool live,
                         char *path, size_t len);

/* Registers the sensor's commands (Suricata's names) and remembers rt. */
int sensor_control_register(struct sensor_runtime *rt);
void sensor_control_unregister(void);
/* control_dataset.c: dataset-add/remove/lookup/clear/dump (called by
 * sensor_control_register). */
int sensor_control_register_datasets(void);

/* Read loops call this between packets with the capture source they own
 * (slot: the worker id of an AF_PACKET worker, 0 for the reading thread of
 * the other modes): cheap unless counters were asked for. */
void sensor_capture_publish(int slot, struct capture_source *src);
/* The source of slot is gone; final (may be NULL) are its last counters. */
void sensor_capture_forget(int slot, const struct capture_stats *final);

/* Fresh counters of every worker as the "stats" object of EVE (new
 * reference; NULL before the sensor runs). */
json_t *sensor_counters_json(void);
/* Fresh capture counters summed over sources. */
void sensor_counters_capture(struct capture_stats *out);
/* Configured memcaps (name, bytes; 0 = unlimited). */
size_t sensor_memcaps(const char **names, uint64_t *values, size_t max);

/* The Prometheus text endpoint (metrics.enabled, off by default). 0, or
 * -errno with err set. */
int sensor_metrics_start(const struct config *cfg, char *err, size_t errlen);
void sensor_metrics_stop(void);
/* The exposition text (caller frees), for the endpoint and tests. */
char *sensor_metrics_text(void);

#endif
