/* SPDX-License-Identifier: Apache-2.0 */
/* Look-alike detection quality and cost: protected domains, a list of real
 * benign domains (false alarms) and a list of generated look-alikes with
 * their technique (detection), one per line ("name" or "name<TAB>technique").
 * Prints the false-alarm rate with every flagged benign name, the detection
 * rate per technique with every missed look-alike (up to a limit), and
 * checks per second against the cost of lower-casing the names (the
 * baseline of the same run).
 *
 *   bench_lookalike PROTECTED BENIGN LOOKALIKES */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "intel/lookalike.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* CPU time: the machine is shared */
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct list {
    char **name, **tag;
    size_t n, cap;
};

static int load(const char *path, struct list *l)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return -1;
    }
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0] || line[0] == '#')
            continue;
        char *tab = strchr(line, '\t');
        if (tab)
            *tab++ = '\0';
        if (l->n == l->cap) {
            l->cap = l->cap ? l->cap * 2 : 1024;
            l->name = realloc(l->name, l->cap * sizeof *l->name);
            l->tag = realloc(l->tag, l->cap * sizeof *l->tag);
        }
        l->name[l->n] = strdup(line);
        l->tag[l->n] = strdup(tab ? tab : "");
        l->n++;
    }
    fclose(f);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: bench_lookalike PROTECTED BENIGN LOOKALIKES\n");
        return 2;
    }
    struct list prot = {0}, benign = {0}, fake = {0};
    if (load(argv[1], &prot) || load(argv[2], &benign) || load(argv[3], &fake))
        return 1;
    struct lookalike_builder *b = lookalike_builder_new();
    char err[256];
    for (size_t i = 0; i < prot.n; i++)
        if (lookalike_builder_add(b, prot.name[i], NULL, NULL, err, sizeof err) != 0)
            fprintf(stderr, "protected %s: %s\n", prot.name[i], err);
    struct lookalike_set *s = lookalike_builder_finish(b);
    printf("protected domains: %zu\n", lookalike_set_count(s));
    struct lookalike_hit h;
    size_t fa = 0;
    for (size_t i = 0; i < benign.n; i++) {
        if (lookalike_check(s, benign.name[i], strlen(benign.name[i]), &h)) {
            fa++;
            printf("false alarm: %s (%s of %s)\n", benign.name[i],
                   lookalike_technique_name(h.technique), h.protected_domain);
        }
    }
    printf("benign: %zu names, %zu flagged: false-alarm rate %.3f %%\n", benign.n, fa,
           benign.n ? 100.0 * (double)fa / (double)benign.n : 0.0);
    /* detection, per technique of the generator */
    struct {
        char tag[32];
        size_t n, hit;
    } per[64];
    size_t nper = 0, hit = 0, shown = 0;
    for (size_t i = 0; i < fake.n; i++) {
        size_t k = 0;
        while (k < nper && strcmp(per[k].tag, fake.tag[i]) != 0)
            k++;
        if (k == nper && nper < 64) {
            snprintf(per[nper].tag, sizeof per[nper].tag, "%s", fake.tag[i]);
            per[nper].n = per[nper].hit = 0;
            nper++;
        }
        bool ok = lookalike_check(s, fake.name[i], strlen(fake.name[i]), &h);
        if (k < nper) {
            per[k].n++;
            per[k].hit += ok;
        }
        hit += ok;
        if (!ok && shown++ < 40)
            printf("missed: %s (%s)\n", fake.name[i], fake.tag[i]);
    }
    printf("look-alikes: %zu names, %zu detected: detection rate %.2f %%\n", fake.n, hit,
           fake.n ? 100.0 * (double)hit / (double)fake.n : 0.0);
    for (size_t k = 0; k < nper; k++)
        printf("  %-14s %6zu  %6.2f %%\n", per[k].tag, per[k].n,
               100.0 * (double)per[k].hit / (double)per[k].n);
    /* cost: checks of the benign names vs lower-casing them */
    volatile size_t sink = 0;
    char tmp[300];
    double t0 = now();
    for (int r = 0; r < 3; r++)
        for (size_t i = 0; i < benign.n; i++) {
            size_t l = strlen(benign.name[i]);
            for (size_t j = 0; j < l && j < sizeof tmp; j++)
                tmp[j] = (char)tolower((unsigned char)benign.name[i][j]);
            sink += (size_t)tmp[0];
        }
    double t1 = now();
    for (int r = 0; r < 3; r++)
        for (size_t i = 0; i < benign.n; i++)
            sink += lookalike_check(s, benign.name[i], strlen(benign.name[i]), &h);
    double t2 = now();
    double per_check = (t2 - t1) / (3.0 * (double)benign.n);
    printf("cost: %.2f us per name checked (%.0f checks/s); lower-casing only: %.3f us; ratio "
           "%.0f\n",
           per_check * 1e6, 1.0 / per_check, (t1 - t0) / (3.0 * (double)benign.n) * 1e6,
           (t2 - t1) / (t1 - t0));
    (void)sink;
    lookalike_set_free(s);
    return 0;
}
