/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzzes the hub's object-store path: a TAXII envelope (or any JSON) is
 * parsed and each object goes through validation, TLP classification,
 * ownership, version bookkeeping, RED recipients, sightings and correlation,
 * and granular-marking redaction, against an
 * in-memory SQLite database, as POST /objects does. Nothing may crash, leak
 * or corrupt the transaction state. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hub/hub_granular.h"
#include "hub/hub_server.h"
#include "hub/hub_tlp.h"
#include "hub/hub_util.h"

static bool hide_all(int rank, void *ctx)
{
    (void)ctx;
    return rank >= 2;
}

static struct hub_server server;
static struct hub_db_conn *conn;
static struct hub_collection coll;
static struct hub_caller caller;

static int setup(void)
{
    char err[512];
    server.cfg.unmarked_tlp = "amber";
    server.cfg.correlation_window_us = 86400LL * 1000000;
    if (hub_db_open("sqlite::memory:", 1, &server.db, err, sizeof err) < 0) {
        fprintf(stderr, "fuzz_hub_objects: %s\n", err);
        return -1;
    }
    conn = hub_db_acquire(server.db);
    struct hub_org org;
    if (hub_org_add(conn, "FuzzOrg", "energy", false, &org, err, sizeof err) < 0)
        return -1;
    struct hub_collection *colls;
    int n;
    if (hub_collection_list(conn, &colls, &n, err, sizeof err) < 0 || n < 2)
        return -1;
    coll = colls[1]; /* the energy sector collection */
    free(colls);
    caller.org = org;
    caller.role = HUB_ROLE_ANALYST;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        if (setup() < 0)
            abort();
        ready = 1;
    }
    json_t *doc = json_loadb((const char *)data, size, 0, NULL);
    if (!doc)
        return 0;
    json_t *objects = json_object_get(doc, "objects");
    char err[256];
    if (hub_db_begin(conn, err, sizeof err) < 0)
        abort();
    int64_t first;
    if (hub_clock_reserve(conn, 1000, &first, err, sizeof err) < 0)
        abort();
    size_t i;
    json_t *obj;
    json_array_foreach(objects, i, obj)
    {
        if (i >= 1000)
            break;
        char version[48], msg[512];
        if (!json_is_object(obj))
            continue;
        (void)hub_tlp_of_object(obj, "amber");
        /* Granular-marking redaction of any input (selectors are untrusted). */
        json_t *copy = json_deep_copy(obj);
        hub_granular_redact(copy, hide_all, NULL);
        json_decref(copy);
        int rc = hub_object_store(&server, conn, &coll, &caller, obj, first + (int64_t)i, 0,
                                  i % 7 == 3 ? HUB_STORE_AS_HUB | HUB_STORE_ONCE_PER_COLLECTION : 0,
                                  version, msg, sizeof msg);
        if (rc < 0 && rc != -EINVAL && rc != -EPERM) {
            fprintf(stderr, "storage error: %s\n", msg);
            abort();
        }
    }
    /* Roll back so the database does not grow across runs. */
    hub_db_rollback(conn);
    json_decref(doc);
    return 0;
}
