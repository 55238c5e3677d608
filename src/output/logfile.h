/* SPDX-License-Identifier: Apache-2.0 */
/* Log sinks of the sensor's outputs (eve.json, fast.log, stats.log, ...):
 * a regular file (appended to by default, as Suricata's `append: yes`), a
 * unix stream or datagram socket, or syslog (Suricata's `filetype`).
 *
 * Writers hand over whole lines only and each call is one write(2) (one
 * datagram or syslog message per line for those kinds), made under the
 * sink's lock: a reader tailing the file never sees half a line and lines
 * of different threads never interleave. Every open sink is registered so
 * that SIGHUP can reopen them all (logrotate renames the file, the sensor
 * reopens the path: no line lost, none cut). */
#ifndef VIGIL_OUTPUT_LOGFILE_H
#define VIGIL_OUTPUT_LOGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum log_file_kind {
    LOG_FILE_REGULAR,
    LOG_FILE_UNIX_STREAM,
    LOG_FILE_UNIX_DGRAM,
    LOG_FILE_SYSLOG,
};

struct log_file_options {
    enum log_file_kind kind;
    bool truncate;           /* regular: `append: no` empties the file when first opened */
    unsigned mode;           /* regular: permissions of a new file (0 = 0640) */
    int syslog_facility;     /* syslog: LOG_LOCAL5 etc. (0 = LOG_LOCAL5) */
    int syslog_priority;     /* syslog: LOG_INFO etc. (-1 = LOG_INFO) */
    const char *syslog_ident; /* syslog: NULL = "suricata" (what EVE consumers expect) */
    const char *prefix;      /* prepended to every line (Suricata's `prefix`), or NULL */
};

struct log_file;

/* "regular", "unix_stream", "unix_dgram", "syslog" (Suricata also accepts
 * "file" and "socket"/"unix_dgram"); -1 for anything else. */
int log_file_kind_from_name(const char *name);
const char *log_file_kind_name(enum log_file_kind kind);
/* "local5" -> LOG_LOCAL5, "Info" -> LOG_INFO; -1 if unknown. */
int log_file_syslog_facility(const char *name);
int log_file_syslog_priority(const char *name);

/* Opens a sink. A socket that cannot be reached yet is not an error (the
 * reader may start later): writes are counted as dropped and the sink
 * reconnects at most once a second. Socket writes block while the reader
 * is slow (as Suricata's), at most a second each before the line is dropped.
 * NULL with a reason naming the path in err on failure. */
struct log_file *log_file_open(const char *path, const struct log_file_options *opts, char *err,
                               size_t errlen);
/* Writes len bytes of whole lines. Thread-safe. */
void log_file_write(struct log_file *lf, const char *data, size_t len);
/* Reopens the path (regular files, appending) or reconnects (sockets).
 * Returns 0 or -errno; the old file stays in use if the new one cannot be
 * opened. */
int log_file_reopen(struct log_file *lf);
/* Reopens every open sink (SIGHUP). Returns how many failed. */
int log_files_reopen_all(void);
/* Closes; returns 0 or -errno of the first failed write. */
int log_file_close(struct log_file *lf);

const char *log_file_path(const struct log_file *lf);
enum log_file_kind log_file_kind(const struct log_file *lf);
/* Lines that could not be written (socket without reader, disk full...). */
uint64_t log_file_dropped(const struct log_file *lf);
/* Changes the owner of a regular file (after --user/--group, so that the
 * files keep one owner once reopened). 0 or -errno. */
int log_file_chown(struct log_file *lf, unsigned uid, unsigned gid);
/* Same for every open sink. */
void log_files_chown_all(unsigned uid, unsigned gid);

#endif
