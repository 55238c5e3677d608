/* SPDX-License-Identifier: Apache-2.0 */
/* Look-alike domains: each technique on crafted names, legitimate names
 * (the protected domain and its subdomains) and ordinary names untouched,
 * punycode homoglyphs decoded, distance computation. */
#include <stdio.h>
#include <string.h>

#include "intel/lookalike.h"
#include "test.h"

static void expect(const struct lookalike_set *s, const char *name, enum lookalike_technique t,
                   const char *prot)
{
    struct lookalike_hit h;
    memset(&h, 0, sizeof h);
    bool hit = lookalike_check(s, name, strlen(name), &h);
    if (t == LOOKALIKE_NONE) {
        if (hit)
            fprintf(stderr, "%s: flagged as %s of %s\n", name, lookalike_technique_name(h.technique),
                    h.protected_domain);
        CHECK(!hit);
        return;
    }
    if (!hit || h.technique != t || strcmp(h.protected_domain, prot) != 0)
        fprintf(stderr, "%s: want %s of %s, got %s of %s\n", name, lookalike_technique_name(t),
                prot, hit ? lookalike_technique_name(h.technique) : "nothing",
                hit ? h.protected_domain : "-");
    CHECK(hit && h.technique == t && strcmp(h.protected_domain, prot) == 0);
}

int main(void)
{
    CHECK_EQ_INT(lookalike_distance("examplebank", 11, "examplebank", 11, 2), 0);
    CHECK_EQ_INT(lookalike_distance("exmaplebank", 11, "examplebank", 11, 2), 1);
    CHECK_EQ_INT(lookalike_distance("exampelbnak", 11, "examplebank", 11, 2), 2);
    CHECK_EQ_INT(lookalike_distance("abc", 3, "xyz", 3, 2), 3);

    struct lookalike_builder *b = lookalike_builder_new();
    char err[200];
    CHECK_EQ_INT(lookalike_builder_add(b, "login.examplebank.com", "Example Bank", NULL, err,
                                       sizeof err), 0);
    CHECK_EQ_INT(lookalike_builder_add(b, "northgrid-energy.co.uk", "Northern Grid",
                                       "indicator--x", err, sizeof err), 0);
    CHECK_EQ_INT(lookalike_builder_add(b, "paypal.com", NULL, NULL, err, sizeof err), 0);
    CHECK_EQ_INT(lookalike_builder_add(b, "hsbc.com", NULL, NULL, err, sizeof err), 0);
    CHECK_EQ_INT(lookalike_builder_add(b, "ubs.com", NULL, NULL, err, sizeof err), 0);
    CHECK_EQ_INT(lookalike_builder_add(b, "office.com", NULL, NULL, err, sizeof err), 0);
    CHECK_EQ_INT(lookalike_builder_add(b, "ing.com", NULL, NULL, err, sizeof err), 0);
    CHECK_EQ_INT(lookalike_builder_add(b, "bt.com", NULL, NULL, err, sizeof err), 0);
    CHECK_EQ_INT(lookalike_builder_add(b, "stripe.com", NULL, NULL, err, sizeof err), 0);
    CHECK(lookalike_builder_add(b, "co.uk", NULL, NULL, err, sizeof err) != 0);
    struct lookalike_set *s = lookalike_builder_finish(b);
    CHECK(s != NULL);
    CHECK_EQ_INT(lookalike_set_count(s), 9);

    const char *eb = "examplebank.com";
    expect(s, "examplebank.com", LOOKALIKE_NONE, NULL);
    expect(s, "www.ExampleBank.com.", LOOKALIKE_NONE, NULL);
    expect(s, "exarnplebank.com", LOOKALIKE_HOMOGLYPH, eb);
    expect(s, "examp1ebank.com", LOOKALIKE_HOMOGLYPH, eb);
    expect(s, "xn--xamplebank-jsi.com", LOOKALIKE_HOMOGLYPH, eb); /* Cyrillic е */
    expect(s, "examplebank.net", LOOKALIKE_TLD_SWAP, eb);
    expect(s, "examplebank.co.uk", LOOKALIKE_TLD_SWAP, eb);
    expect(s, "exmaplebank.com", LOOKALIKE_TRANSPOSITION, eb);
    expect(s, "exampplebank.com", LOOKALIKE_REPETITION, eb);
    expect(s, "exampebank.com", LOOKALIKE_OMISSION, eb);
    expect(s, "examplezbank.com", LOOKALIKE_INSERTION, eb);
    expect(s, "examplebenk.com", LOOKALIKE_REPLACEMENT, eb);
    expect(s, "exampelbnak.com", LOOKALIKE_TYPO, eb);
    expect(s, "example-bank.com", LOOKALIKE_HYPHENATION, eb);
    expect(s, "secure-examplebank-login.com", LOOKALIKE_ADDED_WORD, eb);
    expect(s, "examplebanklogin.net", LOOKALIKE_ADDED_WORD, eb);
    expect(s, "examplebank.com.account-check.net", LOOKALIKE_SUBDOMAIN, eb);
    expect(s, "examplebank-secure.evil.net", LOOKALIKE_SUBDOMAIN, eb);
    expect(s, "examplebank.com.evil.net", LOOKALIKE_SUBDOMAIN, eb);
    /* a host named after the service it runs: a bare label, no lure word */
    expect(s, "examplebank.evil.net", LOOKALIKE_NONE, NULL);
    expect(s, "paypal.shop-example.com", LOOKALIKE_NONE, NULL);
    expect(s, "paypal.login-example.com", LOOKALIKE_SUBDOMAIN, "paypal.com");
    expect(s, "northgrid-energy.com", LOOKALIKE_TLD_SWAP, "northgrid-energy.co.uk");
    expect(s, "northgridenergy.co.uk", LOOKALIKE_OMISSION, "northgrid-energy.co.uk");
    expect(s, "paypa1.com", LOOKALIKE_HOMOGLYPH, "paypal.com");
    expect(s, "xn--pypal-4ve.com", LOOKALIKE_HOMOGLYPH, "paypal.com"); /* Cyrillic а */
    expect(s, "hsbc.net", LOOKALIKE_TLD_SWAP, "hsbc.com");
    expect(s, "hsbc-online.com", LOOKALIKE_ADDED_WORD, "hsbc.com");
    /* short brands: one edit under their own suffix only, never inside
     * other words; whole tokens and lure words */
    expect(s, "hsbd.com", LOOKALIKE_REPLACEMENT, "hsbc.com");
    expect(s, "hsbx.com", LOOKALIKE_REPLACEMENT, "hsbc.com");  /* x beside c */
    expect(s, "hsbq.com", LOOKALIKE_NONE, NULL);               /* q: nowhere near */
    expect(s, "hsbq.net", LOOKALIKE_NONE, NULL);
    expect(s, "hsbd.net", LOOKALIKE_NONE, NULL);
    expect(s, "thsbcx.com", LOOKALIKE_NONE, NULL);
    expect(s, "ubx.com", LOOKALIKE_REPLACEMENT, "ubs.com");
    expect(s, "u-bs.com", LOOKALIKE_HYPHENATION, "ubs.com");
    expect(s, "ubx.net", LOOKALIKE_NONE, NULL);
    expect(s, "ubs-login.net", LOOKALIKE_ADDED_WORD, "ubs.com");
    expect(s, "secure-ubs.net", LOOKALIKE_ADDED_WORD, "ubs.com");
    expect(s, "ubsloginsecure.net", LOOKALIKE_ADDED_WORD, "ubs.com");
    expect(s, "ubs.secure-check.net", LOOKALIKE_SUBDOMAIN, "ubs.com");
    expect(s, "clubs.com", LOOKALIKE_NONE, NULL);     /* a word ending in the core */
    expect(s, "ubsmarine.com", LOOKALIKE_NONE, NULL); /* not a lure word */
    expect(s, "myubs.com", LOOKALIKE_NONE, NULL);     /* short core: nothing on its left */
    /* brands of two or three letters: edits a typist (neighbouring keys,
     * vowels, repeated letters), a flipped bit or a glyph makes; whole
     * tokens only among lure words */
    expect(s, "bing.com", LOOKALIKE_NONE, NULL);
    expect(s, "xing.com", LOOKALIKE_NONE, NULL);
    expect(s, "pt.com", LOOKALIKE_NONE, NULL);
    expect(s, "kt.com", LOOKALIKE_NONE, NULL);
    expect(s, "ft.com", LOOKALIKE_REPLACEMENT, "bt.com"); /* f = b ^ 0x04: a bitsquat */
    expect(s, "ingg.com", LOOKALIKE_REPETITION, "ing.com");
    expect(s, "inhg.com", LOOKALIKE_INSERTION, "ing.com");  /* h beside g */
    expect(s, "img.com", LOOKALIKE_REPLACEMENT, "ing.com"); /* m beside n */
    expect(s, "ong.com", LOOKALIKE_REPLACEMENT, "ing.com"); /* another vowel */
    expect(s, "ivg.com", LOOKALIKE_NONE, NULL);              /* v: not beside n */
    expect(s, "it.com", LOOKALIKE_NONE, NULL);
    expect(s, "vt.com", LOOKALIKE_REPLACEMENT, "bt.com");
    expect(s, "bu.com", LOOKALIKE_REPLACEMENT, "bt.com"); /* t ^ u: one bit */
    expect(s, "tb.com", LOOKALIKE_TRANSPOSITION, "bt.com");
    expect(s, "b.com", LOOKALIKE_OMISSION, "bt.com");
    expect(s, "bec-ing.com", LOOKALIKE_NONE, NULL);
    expect(s, "dhl-bt.net", LOOKALIKE_NONE, NULL);
    expect(s, "ing.una.py", LOOKALIKE_NONE, NULL);
    expect(s, "ing-login.com", LOOKALIKE_ADDED_WORD, "ing.com");
    expect(s, "secure-bt.net", LOOKALIKE_ADDED_WORD, "bt.com");
    expect(s, "bt.account-check.net", LOOKALIKE_SUBDOMAIN, "bt.com");
    expect(s, "bt.com.una.py", LOOKALIKE_SUBDOMAIN, "bt.com");
    /* the 8th bit flipped: ð is 'p' | 0x80, in UTF-8 and punycode */
    expect(s, "pay\xc3\xb0" "al.com", LOOKALIKE_BITSQUAT, "paypal.com");
    expect(s, "xn--payal-kta.com", LOOKALIKE_BITSQUAT, "paypal.com");
    expect(s, "xn--strie-lta.com", LOOKALIKE_BITSQUAT, "stripe.com");
    expect(s, "xn--strie-lta.net", LOOKALIKE_NONE, NULL); /* short core, another suffix */
    expect(s, "stri\xc3\xb0" "es.com", LOOKALIKE_NONE, NULL);
    /* long cores joined to other letters: only lure words */
    expect(s, "myexamplebank.com", LOOKALIKE_ADDED_WORD, eb);
    expect(s, "examplebankcustomercare.org", LOOKALIKE_ADDED_WORD, eb);
    expect(s, "onexamplebank.com", LOOKALIKE_NONE, NULL);
    expect(s, "doloresexamplebank.org", LOOKALIKE_NONE, NULL);
    /* a brand that is an ordinary word needs lure words around it */
    expect(s, "office-login.net", LOOKALIKE_ADDED_WORD, "office.com");
    expect(s, "office.secure-login.net", LOOKALIKE_SUBDOMAIN, "office.com");
    expect(s, "chefs-office.com", LOOKALIKE_NONE, NULL);
    expect(s, "office.school.example", LOOKALIKE_NONE, NULL);
    expect(s, "offica.com", LOOKALIKE_REPLACEMENT, "office.com");
    /* accented letters: compared without their marks, in UTF-8 and punycode */
    expect(s, "paypa\xc3\xac.com", LOOKALIKE_HOMOGLYPH, "paypal.com"); /* paypaì */
    expect(s, "xn--paypa-xsa.com", LOOKALIKE_HOMOGLYPH, "paypal.com");
    expect(s, "p\xc3\xa0ypal.com", LOOKALIKE_HOMOGLYPH, "paypal.com"); /* pàypal */
    /* ordinary names */
    expect(s, "example.com", LOOKALIKE_NONE, NULL);
    expect(s, "www.google.com", LOOKALIKE_NONE, NULL);
    expect(s, "bank.example", LOOKALIKE_NONE, NULL);
    expect(s, "localhost", LOOKALIKE_NONE, NULL);
    expect(s, "10.0.0.1", LOOKALIKE_NONE, NULL);
    expect(s, "", LOOKALIKE_NONE, NULL);
    expect(s, "...", LOOKALIKE_NONE, NULL);

    /* two edits only under the own suffix */
    expect(s, "exampelbnak.net", LOOKALIKE_NONE, NULL);
    expect(s, "exmaplebank.net", LOOKALIKE_TRANSPOSITION, eb);
    /* registrations only a class of institutions can make: no core
     * comparisons, subdomains still */
    expect(s, "examplebank.ac.uk", LOOKALIKE_NONE, NULL);
    expect(s, "exarnplebank.edu", LOOKALIKE_NONE, NULL);
    expect(s, "examplebank-login.gov.uk", LOOKALIKE_NONE, NULL);
    expect(s, "examplebank-login.uni.edu", LOOKALIKE_SUBDOMAIN, eb);
    expect(s, "examplebank.ac", LOOKALIKE_TLD_SWAP, eb); /* .ac: open to all */

    struct lookalike_hit h;
    CHECK(lookalike_check(s, "xn--xamplebank-jsi.com", 22, &h));
    CHECK(strstr(h.unicode, "xamplebank.com") != NULL);
    CHECK(lookalike_check(s, "northgrid-energy.com", 20, &h));
    CHECK_EQ_STR(h.owner, "Northern Grid");
    CHECK_EQ_STR(h.stix_id, "indicator--x");
    lookalike_set_free(s);

    /* an owner's name under every suffix ("LABEL.*"): the label under any
     * suffix is its own; edits, added words and subdomains still alert */
    b = lookalike_builder_new();
    CHECK_EQ_INT(lookalike_builder_add(b, "shopbrand.com", NULL, NULL, err, sizeof err), 0);
    CHECK_EQ_INT(lookalike_builder_add(b, "shopbrand.*", NULL, NULL, err, sizeof err), 0);
    CHECK_EQ_INT(lookalike_builder_add(b, "Gridco.*", NULL, NULL, err, sizeof err), 0);
    CHECK(lookalike_builder_add(b, "a.b.*", NULL, NULL, err, sizeof err) != 0);
    CHECK(lookalike_builder_add(b, ".*", NULL, NULL, err, sizeof err) != 0);
    s = lookalike_builder_finish(b);
    CHECK(s != NULL);
    expect(s, "shopbrand.de", LOOKALIKE_NONE, NULL);
    expect(s, "www.shopbrand.co.jp", LOOKALIKE_NONE, NULL);
    expect(s, "gridco.fr", LOOKALIKE_NONE, NULL);
    expect(s, "shopbrand-login.de", LOOKALIKE_ADDED_WORD, "shopbrand.com");
    expect(s, "shopbrnad.com", LOOKALIKE_TRANSPOSITION, "shopbrand.com");
    expect(s, "shopbrand.de.secure-login.net", LOOKALIKE_SUBDOMAIN, "shopbrand.com");
    expect(s, "gridco-secure.net", LOOKALIKE_ADDED_WORD, "gridco.*");
    lookalike_set_free(s);
    TEST_MAIN_END();
}
