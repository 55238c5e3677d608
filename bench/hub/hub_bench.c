/* SPDX-License-Identifier: Apache-2.0 */
/* Load client for the hub (run by bench/hub/run-bench.sh):
 *   ingest: POSTs --objects indicators in envelopes of --batch over --clients
 *           connections and reports objects/s (acknowledged objects only);
 *   pages:  GETs --requests pages of --page objects at random added_after
 *           points spread over the stored range, and reports p50/p99 latency;
 *   baseline: the same number of GETs of the API root (no storage access),
 *           so the page latency is also printed as a ratio to it. */
#include <dirent.h>
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct opts {
    const char *url; /* base, e.g. http://127.0.0.1:8443 */
    const char *token;
    const char *collection;
    long objects;
    long batch;
    int clients;
    long requests;
    int page;
    int insecure;
    int64_t first_added, last_added; /* microseconds, for random added_after */
    long hub_pid;                    /* to report the hub's CPU time, if given */
    long db_pid;                     /* PostgreSQL's postmaster: its and its backends' CPU */
    int realistic;                   /* ~740-byte indicators with random-looking ids */
    const char *identity;            /* created_by_ref of the realistic objects */
    long run_base;                   /* object numbers of this run start here */
    long stored;                     /* objects of this run (for the id queries) */
};

/* A UUID (version 4 layout) derived from an object number: random-looking
 * like real ids (so index inserts land anywhere), yet reproducible so that
 * the query phase can ask for ids that exist. */
static void uuid_of(long num, char out[37])
{
    uint64_t x = (uint64_t)num * 0x9E3779B97F4A7C15ull, y;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    x ^= x >> 31;
    y = (x + 0x632BE59BD9B4E019ull) * 0x9E3779B97F4A7C15ull;
    y ^= y >> 29;
    snprintf(out, 37, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(x >> 32),
             (unsigned)(x >> 16) & 0xffff, (unsigned)x & 0xfff,
             0x8000 | ((unsigned)(y >> 48) & 0x3fff), (unsigned long long)(y & 0xffffffffffffull));
}

/* One realistic indicator, about 740 bytes, as a CTI producer posts them. */
static size_t realistic_indicator(const struct opts *o, long num, char *out, size_t cap)
{
    char id[37];
    uuid_of(num, id);
    char creator[128] = "";
    if (o->identity)
        snprintf(creator, sizeof creator, "\"created_by_ref\":\"%s\",", o->identity);
    static const char *const phases[] = {"initial-access", "execution", "command-and-control",
                                         "exfiltration"};
    return (size_t)snprintf(
        out, cap,
        "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--%s\",%s"
        "\"created\":\"2026-01-01T00:00:00.000Z\",\"modified\":\"2026-01-%02ldT%02ld:00:00.000Z\","
        "\"name\":\"C2 server 10.%ld.%ld.%ld (campaign %ld)\",\"description\":\"Command and control "
        "server observed beaconing from compromised hosts in the energy sector; seen in "
        "incident %ld. Block and hunt for past connections.\",\"indicator_types\":"
        "[\"malicious-activity\",\"attribution\"],\"pattern\":\"[ipv4-addr:value = '10.%ld.%ld.%ld'] "
        "OR [domain-name:value = 'c2-%ld.example.net']\",\"pattern_type\":\"stix\",\"pattern_version\":"
        "\"2.1\",\"valid_from\":\"2026-01-01T00:00:00Z\",\"kill_chain_phases\":[{\"kill_chain_name\":"
        "\"mitre-attack\",\"phase_name\":\"%s\"}],\"labels\":[\"c2\",\"apt\"],\"confidence\":80,"
        "\"external_references\":[{\"source_name\":\"vigil-bench\",\"url\":"
        "\"https://cert.example.org/advisories/%ld\",\"external_id\":\"ADV-%ld\"}],"
        "\"object_marking_refs\":[\"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb\"]}",
        id, creator, num % 28 + 1, num % 24, (num >> 16) & 255, (num >> 8) & 255, num & 255,
        num % 97, num % 1000000, (num >> 16) & 255, (num >> 8) & 255, num & 255, num % 1000000,
        phases[num % 4], num % 100000, num % 100000);
}

/* CPU seconds (user + system) used so far by process pid, or -1. */
static double proc_cpu_s(long pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *p = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    /* fields after the command: state(3) ... utime(14) stime(15) */
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* CPU seconds of a server and its children, live (user + system) and
 * ended (cutime + cstime of the parent): PostgreSQL's backends. */
static double proc_tree_cpu_s(long pid)
{
    double total = 0;
    DIR *d = opendir("/proc");
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d))) {
        long child = strtol(e->d_name, NULL, 10);
        if (child <= 0)
            continue;
        char path[64], buf[1024];
        snprintf(path, sizeof path, "/proc/%ld/stat", child);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = 0;
        const char *p = strrchr(buf, ')');
        long ppid = 0;
        unsigned long ut = 0, st = 0;
        long cut = 0, cst = 0;
        if (!p || sscanf(p + 2, "%*c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %ld %ld",
                         &ppid, &ut, &st, &cut, &cst) != 5)
            continue;
        if (child == pid)
            total += (double)(ut + st + (unsigned long)cut + (unsigned long)cst);
        else if (ppid == pid)
            total += (double)(ut + st);
    }
    closedir(d);
    return total / (double)sysconf(_SC_CLK_TCK);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct buf {
    char *data;
    size_t len;
};

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
    struct buf *b = ud;
    size_t add = size * n;
    char *nd = realloc(b->data, b->len + add + 1);
    if (!nd)
        return 0;
    memcpy(nd + b->len, p, add);
    b->data = nd;
    b->len += add;
    b->data[b->len] = 0;
    return add;
}

static CURL *client_new(const struct opts *o, struct curl_slist **hdrs, struct buf *b)
{
    CURL *c = curl_easy_init();
    char auth[256];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", o->token);
    *hdrs = curl_slist_append(NULL, auth);
    *hdrs = curl_slist_append(*hdrs, "Accept: application/taxii+json;version=2.1");
    *hdrs = curl_slist_append(*hdrs, "Content-Type: application/taxii+json;version=2.1");
    *hdrs = curl_slist_append(*hdrs, "Expect:");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, *hdrs);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 300L);
    if (o->insecure) {
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    return c;
}

struct ingest_job {
    const struct opts *o;
    long first, count; /* object numbers */
    long acked;
    int failed;
};

static long count_successes(const char *body)
{
    const char *p = strstr(body ? body : "", "\"success_count\":");
    return p ? strtol(p + 16, NULL, 10) : 0;
}

static void *ingest_thread(void *arg)
{
    struct ingest_job *j = arg;
    const struct opts *o = j->o;
    struct buf b = {0};
    struct curl_slist *h;
    CURL *c = client_new(o, &h, &b);
    char url[512];
    snprintf(url, sizeof url, "%s/vigil/collections/%s/objects/", o->url, o->collection);
    curl_easy_setopt(c, CURLOPT_URL, url);
    size_t cap = (size_t)o->batch * 2048 + 64;
    char *body = malloc(cap);
    for (long i = 0; i < j->count && body; i += o->batch) {
        long n = j->count - i < o->batch ? j->count - i : o->batch;
        size_t len = (size_t)snprintf(body, cap, "{\"objects\":[");
        for (long k = 0; k < n; k++) {
            long num = j->first + i + k;
            if (o->realistic) {
                if (k)
                    body[len++] = ',';
                len += realistic_indicator(o, num, body + len, cap - len);
                continue;
            }
            len += (size_t)snprintf(
                body + len, cap - len,
                "%s{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--%08lx-0000-"
                "4000-8000-%012lx\",\"created\":\"2026-01-01T00:00:00.000Z\",\"modified\":"
                "\"2026-01-01T00:00:00.000Z\",\"name\":\"bench %ld\",\"pattern_type\":\"stix\","
                "\"pattern\":\"[ipv4-addr:value = '10.%ld.%ld.%ld']\",\"valid_from\":"
                "\"2026-01-01T00:00:00Z\",\"object_marking_refs\":[\"marking-definition--bab4a63c-"
                "aed9-4cf5-a766-dfca5abac2bb\"]}",
                k ? "," : "", (unsigned long)(num >> 20), (unsigned long)num, num,
                (num >> 16) & 255, (num >> 8) & 255, num & 255);
        }
        len += (size_t)snprintf(body + len, cap - len, "]}");
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
        b.len = 0;
        long code = 0;
        if (curl_easy_perform(c) != CURLE_OK ||
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK || code != 202) {
            j->failed++;
            continue;
        }
        j->acked += count_successes(b.data);
    }
    free(body);
    free(b.data);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

enum query_kind {
    Q_BASELINE, /* API root: no storage */
    Q_PAGE,     /* objects, page at a random added_after */
    Q_BY_ID,    /* objects/{id}/ */
    Q_MATCH_ID, /* objects/?match[id]=a,b,c */
    Q_VERSIONS, /* objects/{id}/versions/ */
    Q_TYPE,     /* objects/?match[type]=indicator&added_after= */
    Q_RARE,     /* objects/?match[type]=malware (none stored: the whole filter) */
    Q_MANIFEST, /* manifest/?added_after= */
    Q_KINDS
};
static const char *const query_names[Q_KINDS] = {
    "baseline GET API root", "GET objects page (added_after)", "GET object by id",
    "GET objects ?match[id]= (3 ids)", "GET object versions", "GET ?match[type]=indicator page",
    "GET ?match[type]=malware (none)", "GET manifest page"};

/* The id of object number num of this run. */
static void id_of(const struct opts *o, long num, char *out, size_t len)
{
    if (o->realistic) {
        char u[37];
        uuid_of(num, u);
        snprintf(out, len, "indicator--%s", u);
    } else {
        snprintf(out, len, "indicator--%08lx-0000-4000-8000-%012lx", (unsigned long)(num >> 20),
                 (unsigned long)num);
    }
}

struct get_job {
    const struct opts *o;
    long count;
    int baseline; /* enum query_kind */
    double *lat;
    int failed;
    unsigned seed;
};

static void *get_thread(void *arg)
{
    struct get_job *j = arg;
    const struct opts *o = j->o;
    struct buf b = {0};
    struct curl_slist *h;
    CURL *c = client_new(o, &h, &b);
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    for (long i = 0; i < j->count; i++) {
        char url[1024], ts[64] = "", id[3][64];
        int64_t span = o->last_added - o->first_added;
        int64_t at = o->first_added +
                     (span > 0 ? (int64_t)(rand_r(&j->seed) %
                                           (unsigned)(span > 2000000000 ? 2000000000 : span))
                               : 0);
        time_t sec = (time_t)(at / 1000000);
        struct tm tm;
        gmtime_r(&sec, &tm);
        snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 (int)(at % 1000000));
        for (int k = 0; k < 3; k++) {
            long r = ((long)rand_r(&j->seed) << 16) ^ rand_r(&j->seed);
            id_of(o, o->run_base + (o->stored > 0 ? r % o->stored : 0), id[k], sizeof id[k]);
        }
        const char *coll = o->collection;
        switch (j->baseline) {
        case Q_BASELINE:
            snprintf(url, sizeof url, "%s/vigil/", o->url);
            break;
        case Q_PAGE:
            snprintf(url, sizeof url, "%s/vigil/collections/%s/objects/?limit=%d&added_after=%s",
                     o->url, coll, o->page, ts);
            break;
        case Q_BY_ID:
            snprintf(url, sizeof url, "%s/vigil/collections/%s/objects/%s/", o->url, coll, id[0]);
            break;
        case Q_MATCH_ID:
            snprintf(url, sizeof url, "%s/vigil/collections/%s/objects/?match[id]=%s,%s,%s", o->url,
                     coll, id[0], id[1], id[2]);
            break;
        case Q_VERSIONS:
            snprintf(url, sizeof url, "%s/vigil/collections/%s/objects/%s/versions/", o->url, coll,
                     id[0]);
            break;
        case Q_TYPE:
            snprintf(url, sizeof url,
                     "%s/vigil/collections/%s/objects/?match[type]=indicator&limit=%d&added_after=%s",
                     o->url, coll, o->page, ts);
            break;
        case Q_RARE:
            snprintf(url, sizeof url, "%s/vigil/collections/%s/objects/?match[type]=malware&limit=%d",
                     o->url, coll, o->page);
            break;
        default:
            snprintf(url, sizeof url, "%s/vigil/collections/%s/manifest/?limit=%d&added_after=%s",
                     o->url, coll, o->page, ts);
            break;
        }
        curl_easy_setopt(c, CURLOPT_URL, url);
        b.len = 0;
        double t0 = now_s();
        long code = 0;
        if (curl_easy_perform(c) != CURLE_OK ||
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK || code != 200)
            j->failed++;
        j->lat[i] = (now_s() - t0) * 1000.0;
    }
    free(b.data);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

static int run_gets(const struct opts *o, int baseline, double *p50, double *p99, int *failed)
{
    long per = o->requests / o->clients;
    double *lat = calloc((size_t)(per * o->clients), sizeof *lat);
    struct get_job *jobs = calloc((size_t)o->clients, sizeof *jobs);
    pthread_t *t = calloc((size_t)o->clients, sizeof *t);
    if (!lat || !jobs || !t)
        return -ENOMEM;
    for (int i = 0; i < o->clients; i++) {
        jobs[i] = (struct get_job){.o = o, .count = per, .baseline = baseline,
                                   .lat = lat + i * per, .seed = 12345u + (unsigned)i};
        pthread_create(&t[i], NULL, get_thread, &jobs[i]);
    }
    *failed = 0;
    for (int i = 0; i < o->clients; i++) {
        pthread_join(t[i], NULL);
        *failed += jobs[i].failed;
    }
    long n = per * o->clients;
    qsort(lat, (size_t)n, sizeof *lat, cmp_double);
    *p50 = lat[n / 2];
    *p99 = lat[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1];
    free(lat);
    free(jobs);
    free(t);
    return 0;
}

static void usage(void)
{
    fputs("usage: hub_bench --url URL --token T --collection ID [--objects N] [--batch 1000]\n"
          "                 [--clients 2] [--requests 2000 (0: ingest only)] [--page 100]\n"
          "                 [--insecure]\n"
          "                 [--pid HUB_PID] [--db-pid POSTMASTER_PID]  (CPU per object)\n"
          "                 [--range FIRST_US LAST_US]   (pages only, with --objects 0)\n"
          "                 [--realistic 1 [--identity ID]]  (~740-byte indicators)\n"
          "                 [--run-base N --stored N]    (ids of an earlier run, with --objects 0)\n",
          stderr);
}

int main(int argc, char **argv)
{
    struct opts o = {.objects = 100000, .batch = 1000, .clients = 2, .requests = 2000, .page = 100};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--insecure") == 0) {
            o.insecure = 1;
            continue;
        }
        if (!v) {
            usage();
            return 2;
        }
        if (strcmp(a, "--url") == 0)
            o.url = v;
        else if (strcmp(a, "--token") == 0)
            o.token = v;
        else if (strcmp(a, "--collection") == 0)
            o.collection = v;
        else if (strcmp(a, "--objects") == 0)
            o.objects = atol(v);
        else if (strcmp(a, "--batch") == 0)
            o.batch = atol(v);
        else if (strcmp(a, "--clients") == 0)
            o.clients = atoi(v);
        else if (strcmp(a, "--requests") == 0)
            o.requests = atol(v);
        else if (strcmp(a, "--page") == 0)
            o.page = atoi(v);
        else if (strcmp(a, "--pid") == 0)
            o.hub_pid = atol(v);
        else if (strcmp(a, "--db-pid") == 0)
            o.db_pid = atol(v);
        else if (strcmp(a, "--realistic") == 0)
            o.realistic = atoi(v);
        else if (strcmp(a, "--identity") == 0)
            o.identity = v;
        else if (strcmp(a, "--run-base") == 0)
            o.run_base = atol(v);
        else if (strcmp(a, "--stored") == 0)
            o.stored = atol(v);
        else if (strcmp(a, "--range") == 0 && i + 2 < argc) {
            o.first_added = strtoll(v, NULL, 10);
            o.last_added = strtoll(argv[i + 2], NULL, 10);
            i++;
        }
        else {
            usage();
            return 2;
        }
        i++;
    }
    if (!o.url || !o.token || !o.collection || o.batch < 1 || o.clients < 1 || o.page < 1 ||
        (o.requests < o.clients && o.requests != 0)) {
        usage();
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int64_t t_start = (int64_t)time(NULL) * 1000000;
    if (o.objects > 0) {
        struct ingest_job *jobs = calloc((size_t)o.clients, sizeof *jobs);
        pthread_t *t = calloc((size_t)o.clients, sizeof *t);
        long per = o.objects / o.clients;
        double t0 = now_s();
        double cpu0 = o.hub_pid ? proc_cpu_s(o.hub_pid) : -1;
        double db0 = o.db_pid ? proc_tree_cpu_s(o.db_pid) : -1;
        if (!o.run_base)
            o.run_base = (long)(time(NULL) & 0xfffff) << 24;
        o.stored = per * o.clients;
        printf("ingest: run base %ld (pass --run-base %ld --stored %ld to query these ids "
               "later)\n",
               o.run_base, o.run_base, o.stored);
        for (int i = 0; i < o.clients; i++) {
            jobs[i] = (struct ingest_job){.o = &o, .first = o.run_base + i * per, .count = per};
            pthread_create(&t[i], NULL, ingest_thread, &jobs[i]);
        }
        long acked = 0;
        int failed = 0;
        for (int i = 0; i < o.clients; i++) {
            pthread_join(t[i], NULL);
            acked += jobs[i].acked;
            failed += jobs[i].failed;
        }
        double dt = now_s() - t0;
        printf("ingest: %ld objects acknowledged in %.2f s = %.0f objects/s (envelopes of %ld, "
               "%d clients, %d failed requests)\n",
               acked, dt, acked / dt, o.batch, o.clients, failed);
        double cpu1 = o.hub_pid ? proc_cpu_s(o.hub_pid) : -1;
        if (cpu0 >= 0 && cpu1 > cpu0)
            printf("ingest: hub CPU %.2f s = %.0f objects per CPU-second (independent of other "
                   "load on the machine)\n",
                   cpu1 - cpu0, acked / (cpu1 - cpu0));
        double db1 = o.db_pid ? proc_tree_cpu_s(o.db_pid) : -1;
        if (db0 >= 0 && db1 > db0 && cpu0 >= 0 && cpu1 > cpu0)
            printf("ingest: PostgreSQL CPU %.2f s = %.0f objects per CPU-second; hub and "
                   "PostgreSQL together %.0f objects per CPU-second\n",
                   db1 - db0, acked / (db1 - db0), acked / (db1 - db0 + cpu1 - cpu0));
        free(jobs);
        free(t);
    }
    /* Random added_after points over the span of this run's ingest, so pages
     * come from anywhere in the stored objects, not just the first page. */
    if (!o.first_added) {
        o.first_added = t_start;
        o.last_added = (int64_t)time(NULL) * 1000000;
    }
    if (o.requests == 0) { /* ingest only */
        printf("added range: %" PRId64 " %" PRId64 "\n", o.first_added, o.last_added);
        curl_global_cleanup();
        return 0;
    }
    double b50 = 0, b99 = 0;
    for (int k = 0; k < Q_KINDS; k++) {
        double p50 = 0, p99 = 0;
        int failed = 0;
        run_gets(&o, k, &p50, &p99, &failed);
        if (k == Q_BASELINE) {
            b50 = p50;
            b99 = p99;
            printf("%-34s p50 %7.3f ms  p99 %7.3f ms  (%d failed)\n", query_names[k], p50, p99,
                   failed);
        } else {
            printf("%-34s p50 %7.3f ms  p99 %7.3f ms  (%d failed) = %.1fx / %.1fx baseline\n",
                   query_names[k], p50, p99, failed, p50 / b50, p99 / b99);
        }
        fflush(stdout);
    }
    curl_global_cleanup();
    return 0;
}
