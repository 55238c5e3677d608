/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the hub's building blocks: timestamps, identifiers, TLP
 * policy, and the storage interface on SQLite (migrations, organisations,
 * tokens, the date_added clock). The end-to-end behaviour is in hub_e2e.py. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "hub/hub_db.h"
#include "hub/hub_handlers.h"
#include "hub/hub_json.h"
#include "hub/hub_route.h"
#include "hub/hub_store.h"
#include "hub/hub_tlp.h"
#include "hub/hub_util.h"
#include "test.h"

static void test_timestamps(void)
{
    int64_t us;
    CHECK_EQ_INT(hub_timestamp_parse("2016-04-06T20:03:48.000Z", &us), 0);
    char buf[40];
    hub_timestamp_format(us, buf, sizeof buf);
    CHECK_EQ_STR(buf, "2016-04-06T20:03:48.000000Z");
    CHECK_EQ_INT(hub_timestamp_parse("2016-04-06T20:03:48Z", &us), 0);
    CHECK_EQ_INT(us, 1459973028000000LL);
    CHECK_EQ_INT(hub_timestamp_parse("2016-04-06T20:03:48.123456789Z", &us), 0);
    CHECK_EQ_INT(us % 1000000, 123456);
    CHECK_EQ_INT(hub_timestamp_parse("2016-04-06 20:03:48Z", &us), -EINVAL);
    CHECK_EQ_INT(hub_timestamp_parse("2022-101-27T00:00:00Z", &us), -EINVAL);
    CHECK_EQ_INT(hub_timestamp_parse("2016-04-06T20:03:48+01:00", &us), -EINVAL);
    CHECK_EQ_INT(hub_timestamp_parse("2016-13-06T20:03:48Z", &us), -EINVAL);
    CHECK_EQ_INT(hub_timestamp_parse("", &us), -EINVAL);
    CHECK_EQ_INT(hub_timestamp_parse("2016-04-06T20:03:48.Z", &us), -EINVAL);
    /* the formatter writes digits itself: the same text as strftime over
     * years 1 to 9999, before and after 1970 (fractions of negative times) */
    for (int64_t sec = -62135596800LL, frac = 7; sec < 253402300800LL;
         sec += 3123456789LL, frac = (frac * 7919 + 13) % 1000000) {
        time_t ts = (time_t)sec;
        struct tm tm;
        gmtime_r(&ts, &tm);
        char want[96], date[64];
        strftime(date, sizeof date, "%m-%dT%H:%M:%S", &tm);
        snprintf(want, sizeof want, "%04d-%s.%06dZ", tm.tm_year + 1900, date, (int)frac);
        hub_timestamp_format(sec * 1000000 + frac, buf, sizeof buf);
        CHECK_EQ_STR(buf, want);
    }
    hub_timestamp_format(253402300799999999LL, buf, sizeof buf);
    CHECK_EQ_STR(buf, "9999-12-31T23:59:59.999999Z");
    hub_timestamp_format(0, buf, sizeof buf);
    CHECK_EQ_STR(buf, "1970-01-01T00:00:00.000000Z");
}

static void test_ids(void)
{
    char a[37], b[37];
    hub_uuid5("sector:energy", a);
    hub_uuid5("sector:energy", b);
    CHECK_EQ_STR(a, b);
    CHECK(a[14] == '5');
    hub_uuid5("sector:transportation", b);
    CHECK(strcmp(a, b) != 0);
    hub_uuid4(a);
    CHECK(a[14] == '4' && strlen(a) == 36);
    char t1[69], t2[69];
    CHECK_EQ_INT(hub_token_generate(t1), 0);
    CHECK_EQ_INT(hub_token_generate(t2), 0);
    CHECK(strncmp(t1, "vgl_", 4) == 0 && strlen(t1) == 68 && strcmp(t1, t2) != 0);
    char h[65];
    hub_sha256_hex("abc", 3, h);
    CHECK_EQ_STR(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static json_t *marked(const char *marking)
{
    json_t *o = json_pack("{s:s, s:s}", "type", "indicator", "id",
                          "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f");
    if (marking)
        json_object_set_new(o, "object_marking_refs", json_pack("[s]", marking));
    return o;
}

static void test_tlp(void)
{
    CHECK_EQ_STR(hub_tlp_canonical("TLP:AMBER+STRICT"), "amber+strict");
    CHECK_EQ_STR(hub_tlp_canonical("white"), "clear");
    CHECK(hub_tlp_canonical("purple") == NULL);
    CHECK(hub_tlp_rank("red") > hub_tlp_rank("amber+strict"));
    json_t *o = marked(NULL);
    CHECK_EQ_STR(hub_tlp_of_object(o, "amber"), "amber");
    json_decref(o);
    /* TLP 2.0 and TLP 1.0 ids */
    o = marked("marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487");
    CHECK_EQ_STR(hub_tlp_of_object(o, "amber"), "clear");
    json_decref(o);
    o = marked("marking-definition--f88d31f6-486f-44da-b317-01333bde0b82");
    CHECK_EQ_STR(hub_tlp_of_object(o, "clear"), "amber");
    json_decref(o);
    /* the most restrictive of several */
    o = json_pack("{s:s, s:[s, s]}", "type", "indicator", "object_marking_refs",
                  "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
                  "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1");
    CHECK_EQ_STR(hub_tlp_of_object(o, "clear"), "red");
    json_decref(o);

    struct hub_caller energy = {.org = {.id = 1, .sector = "energy"}, .role = HUB_ROLE_ANALYST};
    struct hub_caller bank = {.org = {.id = 2, .sector = "financial-services"},
                              .role = HUB_ROLE_ANALYST};
    struct hub_caller coord = {
        .org = {.id = 3, .sector = "government-national", .coordinator = true},
        .role = HUB_ROLE_ANALYST};
    struct hub_collection sector = {.kind = HUB_COLL_SECTOR, .sector = "energy"};
    struct hub_collection own = {.kind = HUB_COLL_ORG, .org_id = 1, .sector = "energy"};
    struct hub_collection national = {.kind = HUB_COLL_NATIONAL};
    CHECK(hub_collection_is_member(&sector, &energy.org));
    CHECK(!hub_collection_is_member(&sector, &bank.org));
    CHECK(hub_collection_is_member(&national, &bank.org));
    CHECK(!hub_collection_is_member(&own, &bank.org));
    CHECK(hub_collection_can_write(&sector, &energy));
    CHECK(!hub_collection_can_write(&sector, &bank));
    CHECK(hub_collection_can_write(&sector, &coord));
    CHECK(!hub_collection_can_write(&own, &coord));
    struct hub_caller sensor = energy;
    sensor.role = HUB_ROLE_SENSOR;
    CHECK(!hub_collection_can_write(&sector, &sensor));
    CHECK(hub_collection_can_write(&own, &sensor));
    /* visibility: producer 1 (energy) */
    CHECK(hub_tlp_visible("green", 1, false, false, &bank));
    CHECK(!hub_tlp_visible("amber", 1, false, false, &bank));
    CHECK(hub_tlp_visible("amber", 1, false, false, &coord));
    CHECK(hub_tlp_visible("amber+strict", 1, false, true, &energy));
    CHECK(!hub_tlp_visible("red", 1, false, true, &coord));
    CHECK(hub_tlp_visible("red", 1, true, false, &bank));
    CHECK(hub_tlp_visible("red", 2, false, false, &bank));
    CHECK(!hub_tlp_visible("bogus", 1, false, true, &bank));
}

/* A SQLite hub database in a new directory under /tmp (uri: 128 bytes). */
static struct hub_db *tmp_db_open(char *dir, char *uri, int pool)
{
    char err[512];
    struct hub_db *db = NULL;
    CHECK(mkdtemp(dir) != NULL);
    snprintf(uri, 128, "sqlite:%s/hub.db", dir);
    CHECK_EQ_INT(hub_db_open(uri, pool, &db, err, sizeof err), 0);
    return db;
}

static void tmp_db_remove(const char *dir)
{
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_EQ_INT(system(cmd), 0);
}

static void test_store(void)
{
    char dir[] = "/tmp/vigil-hub-unit-XXXXXX";
    char uri[128], err[512];
    struct hub_db *db = tmp_db_open(dir, uri, 2);
    struct hub_db_conn *c = hub_db_acquire(db);
    struct hub_org org, again;
    CHECK_EQ_INT(hub_org_add(c, "PowerGrid", "energy", false, &org, err, sizeof err), 0);
    CHECK(strncmp(org.identity_id, "identity--", 10) == 0);
    CHECK_EQ_INT(hub_org_add(c, "PowerGrid", "energy", false, &again, err, sizeof err), -EEXIST);
    CHECK_EQ_INT(hub_org_add(c, "X", "nonsense", false, &again, err, sizeof err), -EINVAL);
    CHECK(strstr(err, "nonsense") != NULL);
    CHECK_EQ_INT(hub_org_find(c, "PowerGrid", &again, err, sizeof err), 0);
    CHECK_EQ_STR(again.identity_id, org.identity_id);
    CHECK_EQ_INT(hub_org_find(c, "Nobody", &again, err, sizeof err), -ENOENT);
    char token[69], id[24];
    int64_t now = hub_now_us();
    CHECK_EQ_INT(hub_token_issue(c, &org, HUB_ROLE_SENSOR, 0, token, id, err, sizeof err), 0);
    CHECK(strncmp(id, "tok-", 4) == 0 && strlen(id) == 20);
    struct hub_caller caller;
    CHECK_EQ_INT(hub_token_authenticate(c, token, now, &caller, err, sizeof err), 0);
    CHECK_EQ_INT(caller.role, HUB_ROLE_SENSOR);
    CHECK_EQ_STR(caller.org.name, "PowerGrid");
    CHECK_EQ_STR(caller.token_public, id);
    CHECK_EQ_INT(hub_token_authenticate(c, "vgl_nope", now, &caller, err, sizeof err), -EACCES);
    CHECK_EQ_INT(hub_token_revoke(c, token, err, sizeof err), 0);
    CHECK_EQ_INT(hub_token_authenticate(c, token, now, &caller, err, sizeof err), -EACCES);
    /* token_expiry: valid until its expiry, refused from then on, with the reason */
    char t2[69], id2[24];
    CHECK_EQ_INT(hub_token_issue(c, &org, HUB_ROLE_ANALYST, now + 1000, t2, id2, err, sizeof err),
                 0);
    CHECK_EQ_INT(hub_token_authenticate(c, t2, now + 999, &caller, err, sizeof err), 0);
    CHECK_EQ_INT(caller.token_expires, now + 1000);
    CHECK_EQ_INT(hub_token_authenticate(c, t2, now + 1000, &caller, err, sizeof err), -EACCES);
    CHECK(strstr(err, "expired") != NULL);
    struct hub_token_info *tl;
    int tn;
    CHECK_EQ_INT(hub_token_list(c, org.id, &tl, &tn, err, sizeof err), 0);
    CHECK_EQ_INT(tn, 2);
    CHECK_EQ_STR(tl[0].id, id2);
    CHECK(tl[1].revoked);
    free(tl);
    CHECK_EQ_INT(hub_token_revoke_id(c, id2, org.id + 1, err, sizeof err), -ENOENT);
    CHECK_EQ_INT(hub_token_revoke_id(c, id2, org.id, err, sizeof err), 0);
    CHECK_EQ_INT(hub_token_revoke_id(c, "tok-zz", org.id, err, sizeof err), -EINVAL);
    CHECK_EQ_INT(hub_token_revoke(c, "vgl_nope", err, sizeof err), -ENOENT);
    struct hub_collection *colls;
    int n;
    CHECK_EQ_INT(hub_collection_list(c, &colls, &n, err, sizeof err), 0);
    CHECK_EQ_INT(n, 3); /* national, energy, PowerGrid */
    free(colls);
    /* the clock hands out strictly increasing values across reservations */
    int64_t a, b;
    CHECK_EQ_INT(hub_db_begin(c, err, sizeof err), 0);
    CHECK_EQ_INT(hub_clock_reserve(c, 1000, &a, err, sizeof err), 0);
    CHECK_EQ_INT(hub_clock_reserve(c, 1, &b, err, sizeof err), 0);
    CHECK(b >= a + 1000);
    CHECK_EQ_INT(hub_db_commit(c, err, sizeof err), 0);
    hub_db_release(db, c);
    hub_db_close(db);
    /* reopening applies no migration twice and keeps the data */
    CHECK_EQ_INT(hub_db_open(uri, 1, &db, err, sizeof err), 0);
    c = hub_db_acquire(db);
    CHECK_EQ_INT(hub_org_find(c, "PowerGrid", &again, err, sizeof err), 0);
    int64_t version;
    CHECK_EQ_INT(hub_db_query_i64(c, "SELECT schema_version FROM hub_meta", 0, NULL, -1, &version,
                                  err, sizeof err),
                 0);
    CHECK_EQ_INT(version, 6);
    hub_db_release(db, c);
    hub_db_close(db);
    CHECK_EQ_INT(hub_db_open("mysql://x", 1, &db, err, sizeof err), -EINVAL);
    CHECK(strstr(err, "mysql://x") != NULL);
    tmp_db_remove(dir);
}

/* Group commit (hub_db_group.c): jobs queued while a group commits go
 * together into the next one with one commit; when a job fails, or the
 * commit does, every job of the group runs again alone: only the failing
 * one is refused, and nothing of a job is stored twice. */
struct gc_job {
    struct hub_db *db;
    int value;
    int behaviour; /* 0 insert, 1 insert then fail, 2 insert and a row that fails a
                    * deferred constraint at commit, 3 insert then wait for 7 queued jobs */
    _Atomic int *running;
    int rc;
    char err[256];
};

static int gc_fn(void *arg, struct hub_db_conn *c, char *err, size_t errlen)
{
    struct gc_job *j = arg;
    struct hub_db_param p[] = {DB_INT(j->value)};
    int rc = hub_db_exec(c, "INSERT INTO gc_test (v) VALUES ($1)", 1, p, NULL, err, errlen);
    if (rc < 0)
        return rc;
    if (j->behaviour == 1) {
        snprintf(err, errlen, "job %d fails", j->value);
        return -EIO;
    }
    if (j->behaviour == 2)
        return hub_db_exec(c, "INSERT INTO gc_child (p) VALUES (42)", 0, NULL, NULL, err, errlen);
    if (j->behaviour == 3) {
        atomic_store(j->running, 1);
        struct hub_db_group *g = hub_db_group_of(j->db);
        for (int i = 0; i < 10000 && hub_db_group_queued(g) < 7; i++) 
            usleep(1000);
    }
    return 0;
}

static void *gc_thread(void *arg)
{
    struct gc_job *j = arg;
    struct hub_db_conn *c = hub_db_acquire(j->db);
    j->rc = hub_db_write_grouped(j->db, c, gc_fn, j, j->err, sizeof j->err);
    hub_db_release(j->db, c);
    return NULL;
}

/* One leader holding its group open while 7 jobs queue; bad is the index
 * (0..6) of the queued job given behaviour bad_kind. Returns the rows of
 * this round. */
static int64_t gc_round(struct hub_db *db, int base, int bad, int bad_kind, struct gc_job *jobs)
{
    _Atomic int running = 0;
    pthread_t t[8];
    for (int i = 0; i < 8; i++)
        jobs[i] = (struct gc_job){.db = db,
                                  .value = base + i,
                                  .behaviour = i == 0 ? 3 : (i - 1 == bad ? bad_kind : 0),
                                  .running = &running};
    CHECK_EQ_INT(pthread_create(&t[0], NULL, gc_thread, &jobs[0]), 0);
    for (int i = 0; i < 10000 && !atomic_load(&running); i++)
        usleep(1000);
    for (int i = 1; i < 8; i++)
        CHECK_EQ_INT(pthread_create(&t[i], NULL, gc_thread, &jobs[i]), 0);
    for (int i = 0; i < 8; i++)
        pthread_join(t[i], NULL);
    char err[256];
    struct hub_db_conn *c = hub_db_acquire(db);
    struct hub_db_param p[] = {DB_INT(base), DB_INT(base + 8)};
    int64_t n = -1;
    CHECK_EQ_INT(hub_db_query_i64(c, "SELECT COUNT(*) FROM gc_test WHERE v >= $1 AND v < $2", 2, p,
                                  -1, &n, err, sizeof err),
                 0);
    hub_db_release(db, c);
    return n;
}

static void test_group_commit(void)
{
    char dir[] = "/tmp/vigil-hub-gc-XXXXXX";
    char uri[128], err[512];
    struct hub_db *db = tmp_db_open(dir, uri, 9);
    struct hub_db_conn *c = hub_db_acquire(db);
    CHECK_EQ_INT(hub_db_exec(c, "CREATE TABLE gc_test (v INTEGER)", 0, NULL, NULL, err, sizeof err),
                 0);
    CHECK_EQ_INT(hub_db_exec(c, "CREATE TABLE gc_parent (id INTEGER PRIMARY KEY)", 0, NULL, NULL,
                             err, sizeof err),
                 0);
    CHECK_EQ_INT(hub_db_exec(c,
                             "CREATE TABLE gc_child"
                             " (p INTEGER REFERENCES gc_parent (id) DEFERRABLE INITIALLY DEFERRED)",
                             0, NULL, NULL, err, sizeof err),
                 0);
    hub_db_release(db, c);
    /* (Each connection loads the statistics at its first use, which waits
     * for a writer: done here, before a leader holds the write lock.) */
    struct hub_db_conn *all[9];
    for (int i = 0; i < 9; i++)
        all[i] = hub_db_acquire(db);
    for (int i = 0; i < 9; i++)
        hub_db_release(db, all[i]);
    struct gc_job jobs[8];
    uint64_t commits, posted;
    /* the third queued job fails: the other seven are stored, two commits */
    CHECK_EQ_INT(gc_round(db, 100, 2, 1, jobs), 7);
    for (int i = 0; i < 8; i++)
        CHECK_EQ_INT(jobs[i].rc, i == 3 ? -EIO : 0);
    CHECK(strstr(jobs[3].err, "job 103 fails") != NULL);
    hub_db_group_stats(hub_db_group_of(db), &commits, &posted);
    CHECK_EQ_INT((int)commits, 2);
    CHECK_EQ_INT((int)posted, 8);
    /* a job's commit fails (deferred foreign key): the group is run again
     * job by job, only that one is refused */
    CHECK_EQ_INT(gc_round(db, 200, 4, 2, jobs), 7);
    for (int i = 0; i < 8; i++)
        CHECK(i == 5 ? jobs[i].rc < 0 : jobs[i].rc == 0);
    CHECK(strstr(jobs[5].err, "FOREIGN KEY") != NULL);
    hub_db_group_stats(hub_db_group_of(db), &commits, &posted);
    CHECK_EQ_INT((int)commits, 4);
    CHECK_EQ_INT((int)posted, 16);
    hub_db_close(db);
    /* acknowledged jobs are on disk: another process's view after close */
    CHECK_EQ_INT(hub_db_open(uri, 1, &db, err, sizeof err), 0);
    c = hub_db_acquire(db);
    int64_t n = -1;
    CHECK_EQ_INT(hub_db_query_i64(c, "SELECT COUNT(*) FROM gc_test", 0, NULL, -1, &n, err, sizeof err),
                 0);
    CHECK_EQ_INT(n, 14);
    /* a one-connection pool has no group: the job runs in a transaction of its own */
    CHECK(hub_db_group_of(db) == NULL);
    struct gc_job lone = {.db = db, .value = 300, .behaviour = 1};
    CHECK_EQ_INT(hub_db_write_grouped(db, c, gc_fn, &lone, err, sizeof err), -EIO);
    CHECK_EQ_INT(hub_db_query_i64(c, "SELECT COUNT(*) FROM gc_test", 0, NULL, -1, &n, err, sizeof err),
                 0);
    CHECK_EQ_INT(n, 14);
    CHECK_EQ_INT(hub_db_query_i64(c, "SELECT COUNT(*) FROM gc_child", 0, NULL, -1, &n, err, sizeof err),
                 0);
    CHECK_EQ_INT(n, 0);
    hub_db_release(db, c);
    hub_db_close(db);
    tmp_db_remove(dir);
}

/* The route table: patterns, parameters, optional trailing slash, 404 vs
 * 405 with the allowed methods, HEAD served by GET routes. */
static void test_routes(void)
{
    struct hub_route_params p;
    char allow[64];
    int r = hub_route_match("GET", "/vigil/collections/abc/objects/indicator--1/versions/", &p,
                            allow, sizeof allow);
    CHECK(r >= 0);
    CHECK(hub_routes[r].handler == taxii_object_versions);
    CHECK_EQ_INT(p.n, 2);
    struct hub_request req = {.params = p};
    CHECK_EQ_STR(hub_request_param(&req, "collection"), "abc");
    CHECK_EQ_STR(hub_request_param(&req, "object"), "indicator--1");
    CHECK(hub_request_param(&req, "nothing") == NULL);
    r = hub_route_match("HEAD", "/vigil/collections/abc/objects", &p, allow, sizeof allow);
    CHECK(r >= 0 && hub_routes[r].handler == taxii_objects_get);
    r = hub_route_match("POST", "/vigil/collections/abc/objects/", &p, allow, sizeof allow);
    CHECK(r >= 0 && hub_routes[r].handler == taxii_objects_post);
    CHECK_EQ_INT(hub_route_match("PUT", "/vigil/collections/abc/objects/", &p, allow, sizeof allow),
                 -405);
    CHECK_EQ_STR(allow, "GET, POST");
    CHECK_EQ_INT(hub_route_match("GET", "/vigil/collections/abc/nothing/", &p, allow, sizeof allow),
                 -404);
    CHECK_EQ_INT(hub_route_match("GET", "/vigil/collections/abc/objects/x/versions/y", &p, allow,
                                 sizeof allow),
                 -404);
    r = hub_route_match("GET", "/healthz", &p, allow, sizeof allow);
    CHECK(r >= 0 && hub_routes[r].auth == HUB_AUTH_NONE);
    /* every line names a handler and a known method; no two lines collide */
    for (size_t i = 0; i < hub_route_count; i++) {
        CHECK(hub_routes[i].handler != NULL);
        CHECK(strcmp(hub_routes[i].method, "GET") == 0 ||
              strcmp(hub_routes[i].method, "POST") == 0 ||
              strcmp(hub_routes[i].method, "DELETE") == 0);
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(hub_routes[i].method, hub_routes[j].method) != 0 ||
                  strcmp(hub_routes[i].pattern, hub_routes[j].pattern) != 0);
    }
    CHECK(hub_route_count <= HUB_METRICS_ROUTES);
    /* media types */
    CHECK(hub_media_accepts(NULL, HUB_MEDIA_TAXII));
    CHECK(hub_media_accepts("application/taxii+json;version=2.1", HUB_MEDIA_TAXII));
    CHECK(!hub_media_accepts("application/taxii+json;version=2.0", HUB_MEDIA_TAXII));
    CHECK(hub_media_accepts("text/html, */*;q=0.1", HUB_MEDIA_TAXII));
    CHECK(!hub_media_accepts("application/json", HUB_MEDIA_TAXII));
    CHECK(hub_media_is("application/taxii+json; version=2.1", HUB_MEDIA_TAXII));
    CHECK(!hub_media_is("application/taxii+jsonx", HUB_MEDIA_TAXII));
    CHECK(hub_media_is("application/json; charset=utf-8", "application/x-ndjson,application/json"));
    CHECK(!hub_media_is(NULL, HUB_MEDIA_JSON));
}

/* The hub's compact serialiser writes what json_dumps(JSON_COMPACT) writes,
 * for every kind of value (reals, escapes, non-ASCII, nesting, empty
 * containers), and falls back to jansson past the writer's depth. */
static void test_json_compact(void)
{
    static const char *const docs[] = {
        "{\"type\":\"indicator\",\"id\":\"indicator--1\",\"n\":-42,\"r\":0.1,\"big\":1e300,"
        "\"i\":3.0,\"t\":true,\"f\":false,\"z\":null,\"e\":{},\"a\":[],"
        "\"s\":\"q\\\"b\\\\s/\\n\\r\\t\\b\\f\\u0001\\u00e9\\u2028\\ud83d\\ude00\","
        "\"nest\":[{\"k\":[1,[2,[3]]]},\"x\"],\"k\\u00e9y\":\"v\"}",
        "[]",
        "\"plain\"",
        "[1.5,-0.0,2.5e-10,1e5,-3e-7,123456789012345678]",
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        json_t *v = json_loads(docs[i], JSON_DECODE_ANY, NULL);
        CHECK(v != NULL);
        char *a = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        size_t len = 0;
        char *b = hub_json_compact(v, &len);
        CHECK(a && b && len == strlen(b));
        /* Control characters: jansson writes \u0001, the writer \u0001 too
         * (hex case may differ): compare after a round trip as well. */
        CHECK(strcasecmp(a, b) == 0);
        json_t *back = json_loads(b, JSON_DECODE_ANY, NULL);
        CHECK(back && json_equal(back, v));
        json_decref(back);
        hub_json_free(a);
        free(b);
        json_decref(v);
    }
    /* Deeper than the writer's 32 levels: still right (jansson's text). */
    json_t *deep = json_object();
    json_t *cur = deep;
    for (int d = 0; d < 40; d++) {
        json_t *next = json_object();
        json_object_set_new(cur, "d", next);
        cur = next;
    }
    char *a = json_dumps(deep, JSON_COMPACT);
    char *b = hub_json_compact(deep, NULL);
    CHECK(a && b && strcmp(a, b) == 0);
    hub_json_free(a);
    free(b); /* jansson's fallback text copied to the heap */
    json_decref(deep);
}

/* A pooled SQLite connection loads the statistics another connection wrote
 * without waiting for a busy writer (it used to wait for the writer's
 * commit: reads after each statistics refresh queued behind ingest). */
static void test_stats_reload_no_wait(void)
{
    char dir[] = "/tmp/vigil-hub-unit-XXXXXX";
    char uri[128], err[512];
    struct hub_db *db = tmp_db_open(dir, uri, 2);
    struct hub_db_conn *a = hub_db_acquire(db), *b = hub_db_acquire(db);
    unsigned old_gen = ((struct hub_db_conn_base *)b)->stats_gen;
    hub_db_release(db, b);
    CHECK_EQ_INT(hub_db_analyze(db, a, HUB_DB_ANALYZE_MIN_ROWS, err, sizeof err), 0);
    CHECK_EQ_INT(hub_db_exec(a, "CREATE TABLE t (x INTEGER)", 0, NULL, NULL, err, sizeof err), 0);
    /* a now writes and holds the write lock. */
    CHECK_EQ_INT(hub_db_begin(a, err, sizeof err), 0);
    CHECK_EQ_INT(hub_db_exec(a, "INSERT INTO t VALUES (1)", 0, NULL, NULL, err, sizeof err), 0);
    int64_t t0 = hub_now_us();
    b = hub_db_acquire(db);
    int64_t n = -1;
    CHECK_EQ_INT(hub_db_query_i64(b, "SELECT COUNT(*) FROM t", 0, NULL, -1, &n, err, sizeof err), 0);
    int64_t waited = hub_now_us() - t0;
    CHECK(waited < 2000000); /* the busy timeout is 30 s */
    CHECK_EQ_INT(n, 0); /* a's row is not committed */
    CHECK(((struct hub_db_conn_base *)b)->stats_gen == old_gen); /* not loaded yet */
    hub_db_release(db, b);
    CHECK_EQ_INT(hub_db_commit(a, err, sizeof err), 0);
    b = hub_db_acquire(db);
    CHECK(((struct hub_db_conn_base *)b)->stats_gen != old_gen); /* loaded at the next use */
    hub_db_release(db, b);
    hub_db_release(db, a);
    hub_db_close(db);
    tmp_db_remove(dir);
}

struct arena_thread {
    json_t *obj;
    bool ok;
};

/* Another thread changes and frees values of an envelope parsed in this
 * thread's arena (a group commit's leader correcting a follower's object). */
static void *arena_other_thread(void *arg)
{
    struct arena_thread *t = arg;
    json_object_set_new(t->obj, "x_added", json_string("heap value"));
    json_object_del(t->obj, "name");
    t->ok = json_object_get(t->obj, "x_added") != NULL && !json_object_get(t->obj, "name");
    return NULL;
}

static void test_json_arena(void)
{
    /* Parsing outside an arena takes nothing from it. */
    json_t *plain = json_loads("{\"a\":[1,2,3]}", 0, NULL);
    CHECK(plain && hub_json_arena_used() == 0);
    char body[4096];
    size_t n = (size_t)snprintf(body, sizeof body, "{\"objects\":[");
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(body + n, sizeof body - n,
                              "%s{\"type\":\"indicator\",\"name\":\"n%d\",\"v\":[%d,{\"k\":\"x\"}]}",
                              i ? "," : "", i, i);
    n += (size_t)snprintf(body + n, sizeof body - n, "]}");
    for (int round = 0; round < 3; round++) {
        hub_json_arena_begin();
        json_t *env = json_loadb(body, n, JSON_REJECT_DUPLICATES, NULL);
        hub_json_arena_end();
        CHECK(env != NULL);
        size_t used = hub_json_arena_used();
        CHECK(used > n); /* every value of the envelope came from the arena */
        json_t *objs = json_object_get(env, "objects");
        CHECK(json_array_size(objs) == 40);
        /* Values added after the arena ended come from the heap and are
         * freed with the envelope; arena values freed early cost nothing. */
        json_t *o0 = json_array_get(objs, 0);
        json_object_set_new(o0, "created_by_ref", json_string("identity--x"));
        json_object_del(o0, "v");
        struct arena_thread t = {.obj = json_array_get(objs, 1), .ok = false};
        pthread_t th;
        CHECK(pthread_create(&th, NULL, arena_other_thread, &t) == 0);
        pthread_join(th, NULL);
        CHECK(t.ok);
        CHECK(hub_json_arena_used() == used);
        char *text = hub_json_compact(env, NULL);
        CHECK(text && strstr(text, "\"created_by_ref\":\"identity--x\"") &&
              strstr(text, "\"x_added\":\"heap value\"") && !strstr(text, "\"name\":\"n1\""));
        free(text);
        json_decref(env);
        hub_json_arena_reset();
        CHECK(hub_json_arena_used() == 0);
    }
    /* An allocation larger than a chunk gets a chunk of its own. */
    size_t big = (2u << 20) + 7;
    char *huge = malloc(big + 3);
    CHECK(huge != NULL);
    huge[0] = '"';
    memset(huge + 1, 'a', big);
    huge[big + 1] = '"';
    huge[big + 2] = 0;
    hub_json_arena_begin();
    json_t *hs = json_loads(huge, JSON_DECODE_ANY, NULL);
    hub_json_arena_end();
    CHECK(hs && json_string_length(hs) == big && hub_json_arena_used() > big);
    json_decref(hs);
    hub_json_arena_reset();
    free(huge);
    json_decref(plain);
}

/* hub_json_parse_fast never accepts what jansson refuses and, when it
 * accepts, builds the same value (members in the same order). */
static int fast_differs(const char *doc, size_t len)
{
    json_t *fast = hub_json_parse_fast(doc, len);
    json_t *jan = json_loadb(doc, len, JSON_REJECT_DUPLICATES, NULL);
    int bad = 0;
    if (fast) {
        char *a = hub_json_compact(fast, NULL), *b = jan ? hub_json_compact(jan, NULL) : NULL;
        bad = !jan || !json_equal(fast, jan) || !a || !b || strcmp(a, b) != 0;
        free(a);
        free(b);
    }
    json_decref(fast);
    json_decref(jan);
    return bad;
}

static void test_json_parse_fast(void)
{
    static const char *const valid[] = {
        "{\"type\":\"indicator\",\"id\":\"indicator--1\",\"n\":-42,\"r\":0.1,\"big\":1e300,"
        "\"i\":3.0,\"t\":true,\"f\":false,\"z\":null,\"e\":{},\"a\":[],\"neg0\":-0,"
        "\"s\":\"q\\\"b\\\\s\\/\\n\\r\\t\\b\\f\\u0001\\u00e9\\u2028\\ud83d\\ude00\","
        "\"nest\":[{\"k\":[1,[2,[3]]]},\"x\"],\"k\\u00e9y\":\"v\",\"\\u00e9\":\"\\u00e9\",\"\":1}",
        " [ 1 , 2.5E-3 , -7e+2 , \"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\" ] \n",
        "[9223372036854775807,-9223372036854775808]",
        "{\"objects\":[{\"a\":\"x\"},{\"a\":\"y\"}],\"more\":false}",
    };
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        json_t *v = hub_json_parse_fast(valid[i], strlen(valid[i]));
        CHECK(v != NULL); /* the fast path takes them */
        json_decref(v);
        CHECK(!fast_differs(valid[i], strlen(valid[i])));
    }
    /* Left to jansson (its error or its value). */
    static const char *const other[] = {
        "{\"a\":1,\"a\":2}", "{\"a\":\"\\u0000\"}", "[9223372036854775808]", "[1e400]",
        "[1e-400]", "\"top\"", "1", "[01]", "[1.]", "[.5]", "[-]", "[+1]", "[1,]", "{\"a\":1,}",
        "[\"\\udc00\"]", "[\"\\ud800\"]", "[\"\\ud800\\u0041\"]", "[\"\xc0\xaf\"]",
        "[\"\xed\xa0\x80\"]", "[\"\xf4\x90\x80\x80\"]", "[\"a\tb\"]", "[\"\\x\"]",
        "[tru]", "[nul]", "[true false]", "{} {}", "{\"a\" 1}", "{1:2}", "\xef\xbb\xbf{}", "",
        "[\"\\u12\"]", "[\"\\uzzzz\"]", "[1e]", "[1e+]", "[-01]", "[NaN]", "[Infinity]"};
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
        json_t *v = hub_json_parse_fast(other[i], strlen(other[i]));
        json_t *j = json_loadb(other[i], strlen(other[i]), JSON_REJECT_DUPLICATES, NULL);
        CHECK(v == NULL || (j && json_equal(v, j)));
        json_decref(v);
        json_decref(j);
    }
    /* Deeper than the fast path goes: jansson's answer. */
    char deep[2 * 300 + 1];
    memset(deep, '[', 300);
    memset(deep + 300, ']', 300);
    deep[600] = 0;
    json_t *d = hub_json_parse_fast(deep, 600);
    CHECK(d == NULL);
    json_error_t je;
    d = hub_json_loadb(deep, 600, &je);
    CHECK(d != NULL);
    json_decref(d);
    CHECK(hub_json_loadb("{\"a\":1,\"a\":2}", 13, &je) == NULL && strstr(je.text, "duplicate"));
    /* Every prefix and every byte changed to a few telling ones, of each
     * valid document: never accepted unless jansson accepts the same. */
    static const unsigned char subst[] = {'"', '\\', '}', ']', ',', ':', 0, 0x80, 0xc3, '0', 'e', ' '};
    int fails = 0;
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        size_t n = strlen(valid[i]);
        char *buf = malloc(n + 1);
        CHECK(buf != NULL);
        if (!buf)
            continue;
        for (size_t cut = 0; cut < n; cut++)
            fails += fast_differs(valid[i], cut);
        for (size_t at = 0; at < n; at++)
            for (size_t k = 0; k < sizeof subst; k++) {
                memcpy(buf, valid[i], n);
                buf[at] = (char)subst[k];
                fails += fast_differs(buf, n);
            }
        free(buf);
    }
    CHECK(fails == 0);
}

/* The client behind trusted reverse proxies, and the key the login limit
 * counts it under. */
static void test_client_address(void)
{
    struct hub_net trusted[2];
    CHECK_EQ_INT(hub_net_parse("10.0.0.0/8", &trusted[0]), 0);
    CHECK_EQ_INT(hub_net_parse("2001:db8:ffff::1", &trusted[1]), 0);
    struct hub_net n;
    CHECK_EQ_INT(hub_net_parse("10.0.0.0/33", &n), -EINVAL);
    CHECK_EQ_INT(hub_net_parse("10.0.0/8", &n), -EINVAL);
    CHECK_EQ_INT(hub_net_parse("proxy.example", &n), -EINVAL);
    CHECK_EQ_INT(hub_net_parse("/8", &n), -EINVAL);
    CHECK_EQ_INT(hub_net_parse("::ffff:10.1.2.3", &n), 0);
    CHECK(hub_net_contains(&trusted[0], &n)); /* mapped IPv4 is IPv4 */
    char out[64];
    /* no trusted proxy: the socket's address, whatever the header says */
    hub_client_address("192.0.2.9", "198.51.100.1", trusted, 0, out, sizeof out);
    CHECK_EQ_STR(out, "192.0.2.9");
    /* an untrusted peer's header is ignored */
    hub_client_address("192.0.2.9", "198.51.100.1", trusted, 2, out, sizeof out);
    CHECK_EQ_STR(out, "192.0.2.9");
    /* through one proxy */
    hub_client_address("10.1.1.1", "198.51.100.1", trusted, 2, out, sizeof out);
    CHECK_EQ_STR(out, "198.51.100.1");
    /* the client's own claim left of the address the proxy saw is not believed */
    hub_client_address("10.1.1.1", "203.0.113.5, 198.51.100.1", trusted, 2, out, sizeof out);
    CHECK_EQ_STR(out, "198.51.100.1");
    /* a chain of trusted proxies, IPv6 among them, mapped peer */
    hub_client_address("::ffff:10.1.1.1", "2001:db8:1::7 ,2001:db8:ffff::1, 10.2.2.2",
                       trusted, 2, out, sizeof out);
    CHECK_EQ_STR(out, "2001:db8:1::7");
    /* garbage ends the walk at the last trusted hop */
    hub_client_address("10.1.1.1", "198.51.100.1, unknown", trusted, 2, out, sizeof out);
    CHECK_EQ_STR(out, "10.1.1.1");
    hub_client_address("10.1.1.1", "198.51.100.1,,", trusted, 2, out, sizeof out);
    CHECK_EQ_STR(out, "10.1.1.1");
    hub_client_address("10.1.1.1", "198.51.100.0/24", trusted, 2, out, sizeof out);
    CHECK_EQ_STR(out, "10.1.1.1");
    /* every entry trusted: the leftmost */
    hub_client_address("10.1.1.1", "10.3.3.3, 10.2.2.2", trusted, 2, out, sizeof out);
    CHECK_EQ_STR(out, "10.3.3.3");
    /* the limit's key: IPv4 whole, IPv6 by its /64 */
    hub_client_key("198.51.100.1", out, sizeof out);
    CHECK_EQ_STR(out, "198.51.100.1");
    char other[64];
    hub_client_key("2001:db8:1:2:aaaa::1", out, sizeof out);
    hub_client_key("2001:db8:1:2:bbbb:cccc:dddd:eeee", other, sizeof other);
    CHECK_EQ_STR(out, "2001:db8:1:2::/64");
    CHECK_EQ_STR(other, out);
    hub_client_key("2001:db8:1:3::1", other, sizeof other);
    CHECK(strcmp(other, out) != 0);
}

int main(void)
{
    /* As `vigil hub` does: every test below runs with the hub's jansson
     * allocator. */
    hub_json_alloc_install();
    test_json_arena();
    test_json_parse_fast();
    test_stats_reload_no_wait();
    test_routes();
    test_timestamps();
    test_client_address();
    test_ids();
    test_tlp();
    test_store();
    test_group_commit();
    test_json_compact();
    TEST_MAIN_END();
}
