/* SPDX-License-Identifier: Apache-2.0 */
/* Diagnostics. Every message names its input (file, line, field, packet
 * number) in the text; these helpers add the "vigil: " prefix and the
 * severity so that messages look the same everywhere.
 *
 * Levels are Suricata's: error, warning, notice (the default threshold),
 * info (-v), perf (-vv), config (-vvv), debug (-vvvv). Messages go to stderr
 * and, when configured (the sensor's `logging.outputs`), to a log file and
 * to syslog, each with its own threshold. */
#ifndef VIGIL_UTIL_LOG_H
#define VIGIL_UTIL_LOG_H

#include <stdarg.h>
#include <stdbool.h>

enum log_level {
    LOG_LEVEL_ERROR,
    LOG_LEVEL_WARNING,
    LOG_LEVEL_NOTICE,
    LOG_LEVEL_INFO,
    LOG_LEVEL_PERF,
    LOG_LEVEL_CONFIG,
    LOG_LEVEL_DEBUG,
};

/* Messages above this level are not written to stderr; default
 * LOG_LEVEL_NOTICE. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* "error", "warning", "notice", "info", "perf", "config", "debug"
 * (case-insensitive; Suricata's "Warning", "Info"...); -1 if unknown. */
int log_level_from_name(const char *name);

/* Also write messages up to `level` to a file (appended): as text lines, or
 * (json) as Suricata's engine events, one JSON object per line
 * ({"timestamp", "log_level": "Error", "event_type": "engine",
 * "engine": {"message"}}), which log shippers read like EVE. 0 or -errno. */
int log_output_file(const char *path, enum log_level level, bool json);
/* Also send messages up to `level` to syslog (facility e.g. LOG_LOCAL5). */
void log_output_syslog(int facility, enum log_level level);
/* Whether messages go to stderr (logging.outputs.console). */
void log_output_console(bool on);
/* Reopens the log file (SIGHUP). */
void log_output_reopen(void);
/* While a progress line is shown on stderr, messages erase it first. */
void log_set_progress_line(bool shown);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_perf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_config(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
