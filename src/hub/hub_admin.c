/* SPDX-License-Identifier: Apache-2.0 */
/* `vigil hub admin --db DB ...`: organisations and tokens, directly on the
 * database (no running hub needed). Machine-readable results are printed on
 * the last line of stdout: the identity id for `org add`, the token for
 * `token issue`. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hub/hub_intel.h"
#include "hub/hub_admin.h"
#include "hub/hub_db.h"
#include "hub/hub_store.h"
#include "hub/hub_util.h"

static void admin_usage(FILE *out)
{
    fputs("usage: vigil hub admin --db DB COMMAND\n"
          "\n"
          "DB is sqlite:PATH or postgresql://USER@HOST:PORT/NAME.\n"
          "Commands:\n"
          "  org add --name NAME --sector SECTOR [--coordinator]\n"
          "      prints the organisation's STIX identity id on its last line\n"
          "  org list\n"
          "  token issue --org NAME --role sensor|analyst|admin [--expires DAYS|never]\n"
          "      prints the token (shown once, stored hashed) alone on its last line;\n"
          "      it expires after DAYS days (default 365)\n"
          "  token list [--org NAME]\n"
          "  token revoke TOKEN|tok-ID\n"
          "  backup --to FILE\n"
          "      SQLite: a consistent copy while the hub runs (online backup API),\n"
          "      checked after writing; PostgreSQL: prints how to use pg_dump\n"
          "  restore --from FILE [--force]\n"
          "      SQLite: replaces the database with a backup (stop the hub first)\n",
          out);
}

/* Finds "--name VALUE" in argv[from..argc). */
static const char *opt_value(int argc, char **argv, int from, const char *name, int *bad)
{
    for (int i = from; i < argc; i++) {
        if (strcmp(argv[i], name) == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "vigil: hub admin: option %s needs a value\n", name);
                *bad = 1;
                return NULL;
            }
            return argv[i + 1];
        }
    }
    return NULL;
}

/* Rejects options not in the allowed list (NULL-terminated; entries ending in
 * '=' take a value). */
static int check_options(int argc, char **argv, int from, const char *const *allowed)
{
    for (int i = from; i < argc; i++) {
        bool ok = false;
        for (const char *const *a = allowed; *a; a++) {
            size_t n = strlen(*a);
            bool takes = (*a)[n - 1] == '=';
            if (strncmp(argv[i], *a, takes ? n - 1 : n) == 0 && argv[i][takes ? n - 1 : n] == 0) {
                ok = true;
                if (takes)
                    i++;
                break;
            }
        }
        if (!ok) {
            fprintf(stderr, "vigil: hub admin: unexpected argument '%s' (try --help)\n", argv[i]);
            return -EINVAL;
        }
    }
    return 0;
}

/* backup --to FILE | restore --from FILE [--force] (argv[0] is the verb). */
static int hub_admin_backup(const char *db_uri, int argc, char **argv)
{
    bool restore = strcmp(argv[0], "restore") == 0;
    const char *file = NULL;
    bool force = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], restore ? "--from" : "--to") == 0 && i + 1 < argc)
            file = argv[++i];
        else if (restore && strcmp(argv[i], "--force") == 0)
            force = true;
        else {
            fprintf(stderr, "vigil: hub admin %s: unexpected argument '%s' (try --help)\n", argv[0],
                    argv[i]);
            return 2;
        }
    }
    if (!file) {
        fprintf(stderr, "vigil: hub admin %s: %s FILE is required\n", argv[0],
                restore ? "--from" : "--to");
        return 2;
    }
    if (strncmp(db_uri, "sqlite:", 7) != 0) {
        if (restore)
            fprintf(stderr,
                    "vigil: hub admin restore: PostgreSQL: stop the hubs, then\n"
                    "  dropdb NAME && createdb NAME && pg_restore --no-owner -d '%s' %s\n"
                    "and start the hubs again (schema migrations run at start)\n",
                    db_uri, file);
        else
            fprintf(stderr,
                    "vigil: hub admin backup: PostgreSQL databases are backed up with pg_dump, "
                    "which takes a consistent snapshot while the hubs run:\n"
                    "  pg_dump --format=custom --file=%s '%s'\n"
                    "(restore with pg_restore; see docs/hub.md). Nothing was written.\n",
                    file, db_uri);
        return 1;
    }
    const char *path = db_uri + 7;
    char err[512];
    if (restore) {
        if (access(file, R_OK) != 0) {
            fprintf(stderr, "vigil: hub admin restore: %s: %s\n", file, strerror(errno));
            return 1;
        }
        if (access(path, F_OK) == 0 && !force) {
            fprintf(stderr,
                    "vigil: hub admin restore: %s exists: stop the hub and add --force "
                    "to replace it\n",
                    path);
            return 1;
        }
        /* Copied next to the database and checked (integrity, then a hub
         * open that runs the migrations of an older backup) before it
         * replaces anything; the rename is atomic. */
        char tmp[4200];
        snprintf(tmp, sizeof tmp, "%s.restore-tmp", path);
        unlink(tmp);
        if (hub_db_sqlite_copy(file, tmp, false, err, sizeof err) < 0) {
            fprintf(stderr, "vigil: hub admin restore: %s\n", err);
            unlink(tmp);
            return 1;
        }
        char tmp_uri[4300];
        snprintf(tmp_uri, sizeof tmp_uri, "sqlite:%s", tmp);
        struct hub_db *db;
        if (hub_db_open(tmp_uri, 1, &db, err, sizeof err) < 0) {
            fprintf(stderr, "vigil: hub admin restore: %s: not a hub database: %s\n", file, err);
            unlink(tmp);
            return 1;
        }
        hub_db_close(db);
        char side[4300];
        for (int k = 0; k < 2; k++) {
            snprintf(side, sizeof side, "%s%s", tmp, k ? "-shm" : "-wal");
            unlink(side);
            snprintf(side, sizeof side, "%s%s", path, k ? "-shm" : "-wal");
            unlink(side);
        }
        if (rename(tmp, path) < 0) {
            fprintf(stderr, "vigil: hub admin restore: %s: %s\n", path, strerror(errno));
            unlink(tmp);
            return 1;
        }
        printf("restored %s from %s\n", path, file);
        return 0;
    }
    if (access(path, R_OK) != 0) {
        fprintf(stderr, "vigil: hub admin backup: %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (access(file, F_OK) == 0) {
        fprintf(stderr, "vigil: hub admin backup: %s exists; choose a new file\n", file);
        return 1;
    }
    if (hub_db_sqlite_copy(path, file, false, err, sizeof err) < 0) {
        fprintf(stderr, "vigil: hub admin backup: %s\n", err);
        unlink(file);
        return 1;
    }
    printf("backup of %s written to %s (checked)\n", path, file);
    return 0;
}

int hub_admin_main(int argc, char **argv)
{
    const char *db_uri = NULL;
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            admin_usage(stdout);
            return 0;
        }
        if (strcmp(argv[i], "--db") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "vigil: hub admin: option --db needs a value\n");
                return 2;
            }
            db_uri = argv[++i];
            continue;
        }
        if (argv[i][0] == '-') {
            fprintf(stderr, "vigil: hub admin: unknown option '%s' (try --help)\n", argv[i]);
            return 2;
        }
        break;
    }
    if (!db_uri) {
        fprintf(stderr, "vigil: hub admin: --db DB is required (try --help)\n");
        return 2;
    }
    if (i + 1 >= argc) {
        if (i < argc && (strcmp(argv[i], "backup") == 0 || strcmp(argv[i], "restore") == 0))
            return hub_admin_backup(db_uri, argc - i, argv + i);
        fprintf(stderr, "vigil: hub admin: expected a command: org add|list, token "
                        "issue|list|revoke, backup, restore\n");
        return 2;
    }
    if (strcmp(argv[i], "backup") == 0 || strcmp(argv[i], "restore") == 0)
        return hub_admin_backup(db_uri, argc - i, argv + i);
    const char *noun = argv[i], *verb = argv[i + 1];
    int from = i + 2;
    int bad = 0;
    if (strcmp(noun, "protected-domain") == 0) {
        char perr[512];
        struct hub_db *pdb;
        if (hub_db_open(db_uri, 1, &pdb, perr, sizeof perr) < 0) {
            fprintf(stderr, "vigil: hub admin: %s\n", perr);
            return 1;
        }
        int prc = hub_intel_admin(pdb, verb, argc - from, argv + from);
        hub_db_close(pdb);
        return prc;
    }
    enum { CMD_ORG_ADD, CMD_ORG_LIST, CMD_TOKEN_ISSUE, CMD_TOKEN_LIST, CMD_TOKEN_REVOKE } cmd;
    if (strcmp(noun, "org") == 0 && strcmp(verb, "add") == 0) {
        static const char *const allowed[] = {"--name=", "--sector=", "--coordinator", NULL};
        cmd = CMD_ORG_ADD;
        bad = check_options(argc, argv, from, allowed) < 0;
    } else if (strcmp(noun, "org") == 0 && strcmp(verb, "list") == 0) {
        static const char *const allowed[] = {NULL};
        cmd = CMD_ORG_LIST;
        bad = check_options(argc, argv, from, allowed) < 0;
    } else if (strcmp(noun, "token") == 0 && strcmp(verb, "issue") == 0) {
        static const char *const allowed[] = {"--org=", "--role=", "--expires=", NULL};
        cmd = CMD_TOKEN_ISSUE;
        bad = check_options(argc, argv, from, allowed) < 0;
    } else if (strcmp(noun, "token") == 0 && strcmp(verb, "list") == 0) {
        static const char *const allowed[] = {"--org=", NULL};
        cmd = CMD_TOKEN_LIST;
        bad = check_options(argc, argv, from, allowed) < 0;
    } else if (strcmp(noun, "token") == 0 && strcmp(verb, "revoke") == 0) {
        cmd = CMD_TOKEN_REVOKE;
        if (argc - from != 1 || argv[from][0] == '-') {
            fprintf(stderr, "vigil: hub admin: token revoke takes exactly one TOKEN\n");
            bad = 1;
        }
    } else {
        fprintf(stderr, "vigil: hub admin: unknown command '%s %s' (try --help)\n", noun, verb);
        return 2;
    }
    if (bad)
        return 2;

    const char *name = NULL, *sector = NULL, *org_name = NULL, *role_name = NULL;
    enum hub_role role = HUB_ROLE_ANALYST;
    long long expires_days = 365;
    if (cmd == CMD_ORG_ADD) {
        name = opt_value(argc, argv, from, "--name", &bad);
        sector = opt_value(argc, argv, from, "--sector", &bad);
        if (!bad && (!name || !sector)) {
            fprintf(stderr, "vigil: hub admin: org add needs --name and --sector\n");
            bad = 1;
        }
    } else if (cmd == CMD_TOKEN_ISSUE) {
        org_name = opt_value(argc, argv, from, "--org", &bad);
        role_name = opt_value(argc, argv, from, "--role", &bad);
        if (!bad && (!org_name || !role_name)) {
            fprintf(stderr, "vigil: hub admin: token issue needs --org and --role\n");
            bad = 1;
        } else if (!bad && hub_role_parse(role_name, &role) < 0) {
            fprintf(stderr, "vigil: hub admin: --role '%s': expected sensor, analyst or admin\n",
                    role_name);
            bad = 1;
        }
        const char *exp = opt_value(argc, argv, from, "--expires", &bad);
        if (!bad && exp) {
            char *end;
            expires_days = strcmp(exp, "never") == 0 ? 0 : strtoll(exp, &end, 10);
            if (strcmp(exp, "never") != 0 &&
                (end == exp || *end || expires_days < 1 || expires_days > 36500)) {
                fprintf(stderr,
                        "vigil: hub admin: --expires '%s': expected days (1..36500) or "
                        "never\n",
                        exp);
                bad = 1;
            }
        }
    } else if (cmd == CMD_TOKEN_LIST) {
        org_name = opt_value(argc, argv, from, "--org", &bad);
    }
    if (bad)
        return 2;

    char err[512];
    struct hub_db *db;
    if (hub_db_open(db_uri, 1, &db, err, sizeof err) < 0) {
        fprintf(stderr, "vigil: hub admin: %s\n", err);
        return 1;
    }
    struct hub_db_conn *c = hub_db_acquire(db);
    int rc = 0;
    switch (cmd) {
    case CMD_ORG_ADD: {
        bool coordinator = false;
        for (int j = from; j < argc; j++)
            if (strcmp(argv[j], "--coordinator") == 0)
                coordinator = true;
        struct hub_org org;
        rc = hub_org_add(c, name, sector, coordinator, &org, err, sizeof err);
        if (rc == 0) {
            printf("organisation '%s' (sector %s%s) added\n%s\n", org.name, org.sector,
                   org.coordinator ? ", coordinator" : "", org.identity_id);
        }
        break;
    }
    case CMD_ORG_LIST: {
        struct hub_org *orgs;
        int n;
        rc = hub_org_list(c, &orgs, &n, err, sizeof err);
        if (rc == 0) {
            printf("%-24s %-26s %-12s %s\n", "NAME", "SECTOR", "ROLE", "IDENTITY");
            for (int j = 0; j < n; j++)
                printf("%-24s %-26s %-12s %s\n", orgs[j].name, orgs[j].sector,
                       orgs[j].coordinator ? "coordinator" : "member", orgs[j].identity_id);
            free(orgs);
        }
        break;
    }
    case CMD_TOKEN_ISSUE: {
        struct hub_org org;
        rc = hub_org_find(c, org_name, &org, err, sizeof err);
        if (rc == -ENOENT)
            snprintf(err, sizeof err, "--org '%s': no such organisation", org_name);
        if (rc == 0) {
            char token[69], id[24];
            int64_t expires = expires_days ? hub_now_us() + expires_days * 86400 * 1000000LL : 0;
            rc = hub_token_issue(c, &org, role, expires, token, id, err, sizeof err);
            char ts[40];
            hub_timestamp_format(expires, ts, sizeof ts);
            if (rc == 0)
                printf("%s token %s for '%s', expires %s (shown once, stored hashed):\n%s\n",
                       hub_role_name(role), id, org.name, expires ? ts : "never", token);
        }
        break;
    }
    case CMD_TOKEN_LIST: {
        struct hub_org org = {.id = -1};
        if (org_name) {
            rc = hub_org_find(c, org_name, &org, err, sizeof err);
            if (rc == -ENOENT)
                snprintf(err, sizeof err, "--org '%s': no such organisation", org_name);
        }
        struct hub_token_info *list = NULL;
        int n = 0;
        if (rc == 0)
            rc = hub_token_list(c, org.id, &list, &n, err, sizeof err);
        if (rc == 0) {
            printf("%-21s %-24s %-8s %-8s %-28s %s\n", "ID", "ORGANISATION", "ROLE", "STATE",
                   "CREATED", "EXPIRES");
            int64_t now = hub_now_us();
            for (int j = 0; j < n; j++) {
                char created[40], expires[40];
                hub_timestamp_format(list[j].created_us, created, sizeof created);
                hub_timestamp_format(list[j].expires_us, expires, sizeof expires);
                const char *state = list[j].revoked                                     ? "revoked"
                                    : (list[j].expires_us && list[j].expires_us <= now) ? "expired"
                                                                                        : "active";
                printf("%-21s %-24s %-8s %-8s %-28s %s\n", list[j].id, list[j].org, list[j].role,
                       state, created, list[j].expires_us ? expires : "never");
            }
        }
        free(list);
        break;
    }
    case CMD_TOKEN_REVOKE:
        if (strncmp(argv[from], "tok-", 4) == 0)
            rc = hub_token_revoke_id(c, argv[from], -1, err, sizeof err);
        else
            rc = hub_token_revoke(c, argv[from], err, sizeof err);
        if (rc == 0)
            printf("token revoked\n");
        break;
    }
    hub_db_release(db, c);
    hub_db_close(db);
    if (rc < 0) {
        fprintf(stderr, "vigil: hub admin: %s\n", err);
        return rc == -EINVAL ? 2 : 1;
    }
    return 0;
}
