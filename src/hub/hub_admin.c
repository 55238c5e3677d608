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

#include "hub/hub_intel.h"
#include "hub/hub_admin.h"
#include "hub/hub_db.h"
#include "hub/hub_store.h"

static void admin_usage(FILE *out)
{
    fputs("usage: vigil hub admin --db DB COMMAND\n"
          "\n"
          "DB is sqlite:PATH or postgresql://USER@HOST:PORT/NAME.\n"
          "Commands:\n"
          "  org add --name NAME --sector SECTOR [--coordinator]\n"
          "      prints the organisation's STIX identity id on its last line\n"
          "  org list\n"
          "  token issue --org NAME --role sensor|analyst|admin\n"
          "      prints the token (shown once, stored hashed) alone on its last line\n"
          "  token revoke TOKEN\n",
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
            if (strncmp(argv[i], *a, takes ? n - 1 : n) == 0 &&
                argv[i][takes ? n - 1 : n] == 0) {
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
        fprintf(stderr, "vigil: hub admin: expected a command: org add|list, token issue|revoke\n");
        return 2;
    }
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
    enum { CMD_ORG_ADD, CMD_ORG_LIST, CMD_TOKEN_ISSUE, CMD_TOKEN_REVOKE } cmd;
    if (strcmp(noun, "org") == 0 && strcmp(verb, "add") == 0) {
        static const char *const allowed[] = {"--name=", "--sector=", "--coordinator", NULL};
        cmd = CMD_ORG_ADD;
        bad = check_options(argc, argv, from, allowed) < 0;
    } else if (strcmp(noun, "org") == 0 && strcmp(verb, "list") == 0) {
        static const char *const allowed[] = {NULL};
        cmd = CMD_ORG_LIST;
        bad = check_options(argc, argv, from, allowed) < 0;
    } else if (strcmp(noun, "token") == 0 && strcmp(verb, "issue") == 0) {
        static const char *const allowed[] = {"--org=", "--role=", NULL};
        cmd = CMD_TOKEN_ISSUE;
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
            char token[69];
            rc = hub_token_issue(c, &org, role, token, err, sizeof err);
            if (rc == 0)
                printf("%s token for '%s' (shown once, stored hashed):\n%s\n",
                       hub_role_name(role), org.name, token);
        }
        break;
    }
    case CMD_TOKEN_REVOKE:
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
