/* SPDX-License-Identifier: Apache-2.0 */
/* Configuration loader: Suricata's default YAML and the per-test files of the
 * suricata-verify slice, includes, anchors, --set, typed getters, errors. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>

#include "test.h"
#include "util/config.h"

static void test_default_suricata_yaml(const char *shared)
{
    char path[1024], err[512];
    snprintf(path, sizeof(path), "%s/conformance/suricata-verify/default-suricata.yaml", shared);
    struct config *c = config_load_file(path, err, sizeof(err));
    CHECK(c != NULL);
    if (!c) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    CHECK_EQ_STR(config_get(c, "vars.address-groups.HOME_NET"),
                 "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]");
    CHECK_EQ_STR(config_get(c, "vars.address-groups.EXTERNAL_NET"), "!$HOME_NET");
    CHECK_EQ_STR(config_get(c, "vars.port-groups.HTTP_PORTS"), "80");
    long long v = 0;
    CHECK_EQ_INT(config_get_int(c, "vars.port-groups.ORACLE_PORTS", &v), 0);
    CHECK_EQ_INT(v, 1521);
    CHECK_EQ_INT(config_get_int(c, "vars.address-groups.HOME_NET", &v), -EINVAL);
    CHECK_EQ_INT(config_get_int(c, "no.such.key", &v), -ENOENT);
    /* outputs is a sequence of one-key mappings. */
    const struct config_node *outputs = config_find(c, "outputs");
    CHECK(outputs != NULL && config_node_is_sequence(outputs));
    bool found_eve = false;
    for (const struct config_node *o = config_node_first_child(outputs); o;
         o = config_node_next(o)) {
        if (config_node_value(o) && strcmp(config_node_value(o), "eve-log") == 0) {
            found_eve = true;
            char key[64];
            snprintf(key, sizeof(key), "outputs.%s.eve-log.enabled", config_node_name(o));
            CHECK(config_get(c, key) != NULL);
        }
    }
    CHECK(found_eve);
    CHECK(config_find(c, "app-layer.protocols.tls") != NULL);
    uint64_t sz = 0;
    CHECK_EQ_INT(config_get_size(c, "stream.reassembly.memcap", &sz), 0);
    CHECK(sz >= 1024 * 1024);
    config_free(c);
}

static void test_verify_yamls(const char *shared)
{
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/conformance/suricata-verify/tests", shared);
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    if (!d)
        return;
    int loaded = 0, total = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[2048], err[512];
        snprintf(path, sizeof(path), "%s/%s/suricata.yaml", dir, e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        fclose(f);
        total++;
        struct config *c = config_load_file(path, err, sizeof(err));
        if (c)
            loaded++;
        else
            fprintf(stderr, "not loaded: %s\n", err);
        config_free(c);
    }
    closedir(d);
    CHECK(total > 0);
    CHECK_EQ_INT(loaded, total);
}

static void test_local_files(void)
{
    char err[512];
    struct config *c = config_load_file("config/data/main.yaml", err, sizeof(err));
    CHECK(c != NULL);
    if (!c) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    CHECK_EQ_STR(config_get(c, "vars.address-groups.HOME_NET"), "[10.0.0.0/8]");
    CHECK_EQ_STR(config_get(c, "vars.port-groups.HTTP_PORTS"), "80"); /* from include, merged */
    CHECK_EQ_STR(config_get(c, "from-include"), "42");
    CHECK_EQ_STR(config_get(c, "tagged.inner"), "value");
    CHECK_EQ_STR(config_get(c, "derived.a"), "1");
    CHECK_EQ_STR(config_get(c, "derived.b"), "three");
    CHECK_EQ_STR(config_get(c, "copy.b"), "two");
    CHECK_EQ_STR(config_get(c, "list.1"), "y");
    CHECK_EQ_INT(config_node_child_count(config_find(c, "list")), 3);
    CHECK_EQ_STR(config_node_value(config_find(c, "outputs.0")), "fast");
    CHECK_EQ_STR(config_get(c, "outputs.0.fast.filename"), "fast.log");
    CHECK(config_get_bool(c, "outputs.0.fast.enabled", false) == true);
    CHECK(config_get_bool(c, "outputs.1.eve-log.enabled", true) == false);
    CHECK(config_get_bool(c, "outputs.9.x", true) == true);
    CHECK(config_get(c, "outputs") == NULL); /* not a scalar */
    CHECK_EQ_INT(config_node_line(config_find(c, "list")), 13);
    /* --set overrides and creates. */
    CHECK_EQ_INT(config_set(c, "vars.address-groups.HOME_NET", "any"), 0);
    CHECK_EQ_STR(config_get(c, "vars.address-groups.HOME_NET"), "any");
    CHECK_EQ_INT(config_set_assignment(c, "new.deep.key=5"), 0);
    CHECK_EQ_STR(config_get(c, "new.deep.key"), "5");
    CHECK_EQ_INT(config_set(c, "list.1", "w"), 0);
    CHECK_EQ_STR(config_get(c, "list.1"), "w");
    CHECK_EQ_INT(config_set(c, "a..b", "1"), -EINVAL);
    CHECK_EQ_INT(config_set_assignment(c, "novalue"), -EINVAL);
    CHECK_EQ_INT(config_set_assignment(c, "=x"), -EINVAL);
    config_free(c);

    c = config_load_file("config/data/bad.yaml", err, sizeof(err));
    CHECK(c == NULL);
    CHECK(strstr(err, "bad.yaml:") != NULL);
    c = config_load_file("config/data/loop.yaml", err, sizeof(err));
    CHECK(c == NULL);
    CHECK(strstr(err, "too deeply") != NULL);
    c = config_load_file("config/data/does-not-exist.yaml", err, sizeof(err));
    CHECK(c == NULL);
    CHECK(strstr(err, "does-not-exist.yaml") != NULL);
}

static void test_strings(void)
{
    char err[256];
    const char *deep_tmpl = "a: ";
    char deep[4096];
    size_t n = (size_t)snprintf(deep, sizeof(deep), "%s", deep_tmpl);
    for (int i = 0; i < 200; i++)
        deep[n++] = '[';
    deep[n] = '\0';
    struct config *c = config_load_string(deep, n, "deep", err, sizeof(err));
    CHECK(c == NULL);
    /* Alias bomb: each level doubles; the node budget stops it. */
    const char *bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                       "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                       "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                       "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                       "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                       "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
                       "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
    c = config_load_string(bomb, strlen(bomb), "bomb", err, sizeof(err));
    CHECK(c == NULL);
    c = config_load_string("x: *nope\n", 9, "alias", err, sizeof(err));
    CHECK(c == NULL);
    CHECK(strstr(err, "alias:1:") != NULL);
    c = config_load_string("- a\n- b\n", 8, "seqtop", err, sizeof(err));
    CHECK(c == NULL);
    c = config_load_string("", 0, "empty", err, sizeof(err));
    CHECK(c != NULL);
    config_free(c);
    c = config_load_string("x: ~\n", 5, "null", err, sizeof(err));
    CHECK(c != NULL);
    CHECK_EQ_STR(config_get(c, "x"), "");
    config_free(c);

    uint64_t v;
    CHECK_EQ_INT(config_parse_size("64mb", &v), 0);
    CHECK_EQ_INT(v, 64ULL << 20);
    CHECK_EQ_INT(config_parse_size("1gb", &v), 0);
    CHECK_EQ_INT(v, 1ULL << 30);
    CHECK_EQ_INT(config_parse_size("4kb", &v), 0);
    CHECK_EQ_INT(v, 4096);
    CHECK_EQ_INT(config_parse_size(" 4 KB ", &v), 0);
    CHECK_EQ_INT(v, 4096);
    CHECK_EQ_INT(config_parse_size("1.5mb", &v), 0);
    CHECK_EQ_INT(v, 3ULL << 19);
    CHECK_EQ_INT(config_parse_size("12345", &v), 0);
    CHECK_EQ_INT(v, 12345);
    CHECK_EQ_INT(config_parse_size("10xb", &v), -EINVAL);
    CHECK_EQ_INT(config_parse_size("mb", &v), -EINVAL);
    CHECK_EQ_INT(config_parse_size("-1mb", &v), -EINVAL);
    CHECK_EQ_INT(config_parse_size("99999999999999999999", &v), -EINVAL);
    CHECK_EQ_INT(config_parse_size("99999999999999gb", &v), -EINVAL);
    bool b;
    CHECK_EQ_INT(config_parse_bool("Yes", &b), 0);
    CHECK(b);
    CHECK_EQ_INT(config_parse_bool("off", &b), 0);
    CHECK(!b);
    CHECK_EQ_INT(config_parse_bool("maybe", &b), -EINVAL);
}

int main(void)
{
    const char *shared = getenv("VIGIL_SHARED");
    if (!shared)
        shared = "../../shared";
    test_default_suricata_yaml(shared);
    test_verify_yamls(shared);
    test_local_files();
    test_strings();
    TEST_MAIN_END();
}
