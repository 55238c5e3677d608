/* SPDX-License-Identifier: Apache-2.0 */
/* Running as a service: -D (daemon), the pid file, and dropping privileges
 * (--user/--group, run-as) once capture and logs are open, as Suricata does.
 *
 * -D forks; the parent waits until the child says it runs (or fails) and
 * exits with that status, so `vigil -D ... && echo started` and systemd's
 * Type=forking see real start-up errors. The child starts a new session and
 * keeps its working directory (relative paths in the configuration stay
 * valid; SIGHUP reopens logs by the same paths). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sensor/sensor_internal.h"
#include "util/log.h"

int sensor_daemonize(int *status_fd)
{
    int fds[2];
    if (pipe(fds) != 0) {
        log_error("-D: cannot create a pipe: %s", strerror(errno));
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        log_error("-D: cannot fork: %s", strerror(errno));
        return -1;
    }
    if (pid > 0) {
        /* Parent: wait for the child's verdict. */
        close(fds[1]);
        char st = 0;
        ssize_t n;
        do {
            n = read(fds[0], &st, 1);
        } while (n < 0 && errno == EINTR);
        close(fds[0]);
        if (n == 1 && st == '0')
            _exit(0);
        /* The child reported the error itself (its stderr is still ours). */
        int ws;
        waitpid(pid, &ws, WNOHANG);
        _exit(1);
    }
    close(fds[0]);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    if (setsid() < 0)
        log_warning("-D: setsid: %s", strerror(errno));
    *status_fd = fds[1];
    return 0;
}

void sensor_daemon_ready(int *status_fd, bool ok)
{
    if (*status_fd < 0)
        return;
    char st = ok ? '0' : '1';
    ssize_t n = write(*status_fd, &st, 1);
    (void)n;
    close(*status_fd);
    *status_fd = -1;
    if (!ok)
        return;
    /* Detach from the terminal: messages go to the configured log file or
     * syslog from now on. */
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        if (null > STDERR_FILENO)
            close(null);
    }
    log_output_console(false);
}

int sensor_pidfile_create(const char *path)
{
    /* A pid file naming a live process means another sensor runs with it. */
    FILE *f = fopen(path, "r");
    if (f) {
        long pid = 0;
        if (fscanf(f, "%ld", &pid) == 1 && pid > 0 && pid != (long)getpid() &&
            (kill((pid_t)pid, 0) == 0 || errno == EPERM)) {
            fclose(f);
            log_error("pid file %s names process %ld, which is running: is another vigil using "
                      "it?",
                      path, pid);
            return -EEXIST;
        }
        fclose(f);
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        int e = errno;
        log_error("cannot write pid file %s: %s", path, strerror(e));
        return -e;
    }
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
    if (write(fd, buf, (size_t)n) != n) {
        int e = errno;
        close(fd);
        unlink(path);
        log_error("cannot write pid file %s: %s", path, strerror(e));
        return -e;
    }
    close(fd);
    return 0;
}

void sensor_pidfile_remove(const char *path)
{
    if (path && *path)
        unlink(path);
}

int sensor_resolve_user(const char *user, const char *group, uid_t *uid, gid_t *gid)
{
    *uid = getuid();
    *gid = getgid();
    if (user) {
        struct passwd *pw = getpwnam(user);
        if (!pw) {
            char *end;
            long v = strtol(user, &end, 10);
            if (*user && !*end && v >= 0) {
                *uid = (uid_t)v;
            } else {
                log_error("run-as user '%s': no such user", user);
                return -1;
            }
        } else {
            *uid = pw->pw_uid;
            *gid = pw->pw_gid; /* the user's group unless a group is given */
        }
    }
    if (group) {
        struct group *gr = getgrnam(group);
        if (!gr) {
            char *end;
            long v = strtol(group, &end, 10);
            if (*group && !*end && v >= 0) {
                *gid = (gid_t)v;
            } else {
                log_error("run-as group '%s': no such group", group);
                return -1;
            }
        } else {
            *gid = gr->gr_gid;
        }
    }
    return 0;
}

int sensor_drop_privileges(const char *user, const char *group, const char *log_dir)
{
    uid_t uid;
    gid_t gid;
    if (sensor_resolve_user(user, group, &uid, &gid) != 0)
        return -1;
    /* The files opened as root keep one owner with those the sensor
     * creates after a SIGHUP. */
    log_files_chown_all((unsigned)uid, (unsigned)gid);
    if (user) {
        struct passwd *pw = getpwnam(user);
        if (pw ? initgroups(pw->pw_name, gid) != 0 : setgroups(0, NULL) != 0) {
            log_error("cannot set the supplementary groups for '%s': %s", user, strerror(errno));
            return -1;
        }
    } else if (setgroups(0, NULL) != 0 && errno != EPERM) {
        log_error("cannot clear the supplementary groups: %s", strerror(errno));
        return -1;
    }
    if (setgid(gid) != 0) {
        log_error("cannot switch to group %u: %s", (unsigned)gid, strerror(errno));
        return -1;
    }
    if (user && setuid(uid) != 0) {
        log_error("cannot switch to user %s: %s", user, strerror(errno));
        return -1;
    }
    /* Never able to come back. */
    if (user && uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
        log_error("privileges could be regained after switching to %s: refusing to run", user);
        return -1;
    }
    if (log_dir && access(log_dir, W_OK) != 0)
        log_warning("log directory %s is not writable by %s%s%s: log files cannot be reopened "
                    "after rotation (SIGHUP)",
                    log_dir, user ? user : "", group ? ":" : "", group ? group : "");
    log_info("running as uid %u gid %u", (unsigned)getuid(), (unsigned)getgid());
    return 0;
}
