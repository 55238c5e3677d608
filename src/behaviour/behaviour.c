/* SPDX-License-Identifier: Apache-2.0 */
/* Behavioural detectors: configuration, statistics and the flow hook that
 * hands each finished flow to the detectors (behaviour.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "behaviour/behaviour.h"
#include "behaviour/behaviour_internal.h"
#include "detect/rule_addr.h"
#include "detect/rule_set.h"
#include "flow/flow.h"
#include "util/config.h"
#include "util/json.h"

static const char *home_var_lookup(void *ctx, const char *name, bool is_port)
{
    return ctx ? rule_set_get_var(ctx, name, is_port) : NULL;
}

/* HOME_NET from its text (variables resolved through rs, may be NULL). */
static int set_home(struct behaviour_config *c, const char *text, struct rule_set *rs,
                    char *err, size_t errlen)
{
    struct rule_addr_set s = {0};
    char e[160];
    if (rule_addr_parse(text, home_var_lookup, rs, &s, e, sizeof e) != 0) {
        snprintf(err, errlen, "vars.address-groups.HOME_NET: %s", e);
        return -1;
    }
    if (s.count > BEHAVIOUR_HOME_MAX) {
        snprintf(err, errlen,
                 "vars.address-groups.HOME_NET: %u ranges, the behavioural detectors take at "
                 "most %d",
                 s.count, BEHAVIOUR_HOME_MAX);
        free(s.ranges);
        return -1;
    }
    c->home.any = s.any;
    c->home.count = s.count;
    if (s.count)
        memcpy(c->home.r, s.ranges, s.count * sizeof *s.ranges);
    free(s.ranges);
    return 0;
}

bool behaviour_is_home(const struct behaviour_config *c, const struct ip_address *a)
{
    if (c->home.any)
        return true;
    /* IPv4 is held in the last four bytes (decode.c). */
    const uint8_t *u = a->addr.u8;
    rule_ip_t ip = a->family == 4 ? rule_ip_from_v4(((uint32_t)u[12] << 24) |
                                                    ((uint32_t)u[13] << 16) |
                                                    ((uint32_t)u[14] << 8) | u[15])
                                  : rule_ip_from_v6(u);
    uint32_t lo = 0, hi = c->home.count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ip < c->home.r[mid].lo)
            hi = mid;
        else if (ip > c->home.r[mid].hi)
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

void behaviour_config_defaults(struct behaviour_config *c)
{
    memset(c, 0, sizeof *c);
    c->enabled = true;
    c->memcap = 16ull << 20;
    c->scan.enabled = true;
    c->scan.udp = true;
    c->scan.icmp = true;
    /* Snort 3's port_scan counts over 60 s by default; 25 distinct ports
     * (or hosts) is its "medium" sense level for TCP. */
    c->scan.window_sec = 60;
    c->scan.vertical_ports = 25;
    c->scan.horizontal_hosts = 25;
    /* Brute force: fail2ban bans after 5 failures in 10 minutes of one
     * log; a sensor sees every client, so a little more room: 10 failed SSH
     * sessions or 20 HTTP 401/403 from one source to one server within
     * 2 minutes. An SSH guess is a session that ended within 30 s with at
     * most 12 KiB from the client (key exchange with post-quantum hybrid
     * keys and a few password tries, IP headers included). */
    c->bruteforce.enabled = true;
    c->bruteforce.window_sec = 120;
    c->bruteforce.ssh = true;
    c->bruteforce.ssh_attempts = 10;
    c->bruteforce.ssh_max_duration_sec = 30;
    c->bruteforce.ssh_max_client_bytes = 12288;
    c->bruteforce.http = true;
    c->bruteforce.http_failures = 20;
    c->bruteforce.ftp = true;
    c->bruteforce.ftp_failures = 10;
    c->bruteforce.smtp = true;
    c->bruteforce.smtp_failures = 10;
    /* DNS tunnels (per client and parent domain, 5 minutes): iodine and
     * dnscat2 send hundreds of queries a minute whose names carry data
     * in labels of 50-63 base32/hex characters; an ordinary client asks a
     * parent for a handful of names (CDN hashes reach 20-30 characters,
     * rarely entropy 4). 40 long-label names and 80 TXT/NULL names leave
     * room: a short tunnel fragment of a few dozen questions (the 81 of
     * suricata-verify's dns/bug-1158 capture) does not alert. DGA: 10 distinct algorithmic-looking registered
     * domains answered NXDOMAIN within the window (a bot walking its list);
     * a single odd brand name or a typo never gets there. */
    c->dns.enabled = true;
    c->dns.window_sec = 300;
    c->dns.long_label = 32;
    c->dns.min_entropy = 3.8;
    c->dns.long_queries = 40;
    c->dns.unique_subdomains = 300;
    c->dns.txt_null_queries = 80;
    c->dns.volume_bytes = 16384;
    c->dns.dga = true;
    c->dns.dga_min_letters = 8;
    c->dns.dga_max_score = -5.0;
    c->dns.dga_domains = 10;
    c->dns.dga_nxdomain_only = true;
    /* Beaconing, scored as RITA does: 12 connections at least, interval
     * regularity and size similarity (1 - MAD/median) of 0.85: a +-20 %
     * jitter scores 0.87 or more in 95 % of 10-16 connection runs, Poisson
     * arrivals 0.72 or less (simulated), a median interval from
     * 10 s (below: page loads and retries) to 1 hour, at most 64 KiB from
     * the client per connection (a poll, not a transfer). Services that are
     * periodic by design are ignored: DNS, NTP, DHCP, NetBIOS, mDNS, SSDP,
     * LLMNR, SNMP traps. */
    /* SIP fraud (7300): 20 failed REGISTER/INVITE or failures for 10
     * distinct users from one source within a minute (a phone re-registers
     * every few minutes with one 401 challenge; SIPVicious and friends send
     * hundreds a minute); a source is new for a day after its first request;
     * international (00, 011) and premium (900, 1900) prefixes; a call of
     * more than 4 hours from a new source; the sources of the first hour
     * are learnt as known (a sensor starting up sees every source for the
     * first time). ISO 8583 (7303): 10 declines, or
     * small authorisations (at most 2.00 in minor units) with 10 distinct
     * cards, from one terminal within 10 minutes (a shop terminal sees a
     * decline now and then, and one card at a time). */
    c->fraud_entries = 65536;
    c->sip.enabled = true;
    c->sip.window_sec = 60;
    c->sip.failures = 20;
    c->sip.scan_users = 10;
    c->sip.new_source_sec = 86400;
    c->sip.learning_sec = 3600;
    c->sip.long_call_sec = 4 * 3600;
    static const char *const tolls[] = {"00", "011", "900", "1900"};
    for (size_t i = 0; i < sizeof tolls / sizeof tolls[0]; i++)
        snprintf(c->sip.toll_prefixes[i], sizeof c->sip.toll_prefixes[i], "%s", tolls[i]);
    c->sip.toll_prefix_count = 4;
    c->iso8583.enabled = true;
    c->iso8583.window_sec = 600;
    c->iso8583.declines = 10;
    c->iso8583.cards = 10;
    c->iso8583.small_amount = 200;
    c->beacon.enabled = true;
    c->beacon.memcap = 4ull << 20;
    c->beacon.min_connections = 12;
    c->beacon.min_score = 0.85;
    c->beacon.min_interval_sec = 10;
    c->beacon.max_interval_sec = 3600;
    c->beacon.max_bytes = 65536;
    static const uint16_t ign[] = {53, 123, 67, 68, 137, 138, 5353, 1900, 5355, 162};
    for (size_t i = 0; i < sizeof ign / sizeof ign[0]; i++)
        c->beacon.ignore_ports[c->beacon.ignore_port_count++] = ign[i];
    /* HOME_NET as the rule engine defaults it (RFC 1918). */
    char err[128];
    (void)set_home(c, "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]", NULL, err, sizeof err);
    c->profiles_memcap = 16ull << 20;
    c->profiles_persist = -1;
    snprintf(c->profiles_file, sizeof c->profiles_file, "behaviour-profiles.dat");
    c->profiles_save_sec = 300;
    /* Data leaving (per internal host): hourly windows; the baseline is an
     * exponentially weighted mean of the host's past hours, learnt for a
     * day before sids 1 and 2 speak. An hour 10x above it and above
     * 512 MiB is a bulk transfer no ordinary desktop makes (backups and
     * mirrors are expected to be listed in HOME_NET exceptions or to
     * have their baseline); a single upload of 64 MiB to a destination
     * the host never used before is sid 2. DNS carrying more than 1 MiB
     * out of one host in an hour is about 10,000 full queries (a resolver
     * is inside HOME_NET and its upstream traffic never counts against a
     * client); ICMP, 1 MiB is 15,000 default pings. Card numbers and IBANs
     * in cleartext: a single one leaving is a finding (PCI DSS forbids
     * it). */
    c->exfil.enabled = true;
    c->exfil.window_sec = 3600;
    c->exfil.learning_windows = 24;
    c->exfil.factor = 10.0;
    c->exfil.min_bytes = 512ull << 20;
    c->exfil.new_dest_bytes = 64ull << 20;
    c->exfil.dns_bytes = 1ull << 20;
    c->exfil.icmp_bytes = 1ull << 20;
    c->exfil.card_numbers = 1;
    c->exfil.ibans = 1;
    /* New and rare: a host is learnt for a day and 200 external flows
     * before anything about it is "new". */
    c->rare.enabled = true;
    c->rare.learning_sec = 86400;
    c->rare.learning_flows = 200;
    c->rare.server = true;
    c->rare.fingerprints = true;
    c->rare.certificates = true;
}

static int get_ports(const struct config *cfg, const char *key, uint16_t *ports, uint32_t *count,
                     char *err, size_t errlen)
{
    const char *s = config_get(cfg, key);
    if (!s)
        return 0;
    uint32_t n = 0;
    while (*s) {
        while (*s == ' ' || *s == ',' || *s == '[' || *s == ']')
            s++;
        if (!*s)
            break;
        char *end;
        errno = 0;
        long v = strtol(s, &end, 10);
        if (end == s || errno || v < 0 || v > 65535 || n >= BEHAVIOUR_BEACON_MAX_IGNORE ||
            (*end && *end != ',' && *end != ' ' && *end != ']')) {
            snprintf(err, errlen, "%s: expected up to %d port numbers separated by commas", key,
                     BEHAVIOUR_BEACON_MAX_IGNORE);
            return -1;
        }
        ports[n++] = (uint16_t)v;
        s = end;
    }
    *count = n;
    return 0;
}

bool behaviour_any_enabled(const struct behaviour_config *c)
{
    return c->enabled && (c->scan.enabled || c->bruteforce.enabled || c->dns.enabled ||
                          c->beacon.enabled || c->exfil.enabled || c->rare.enabled ||
                          c->sip.enabled || c->iso8583.enabled);
}

static int get_double(const struct config *cfg, const char *key, double min, double max,
                      double *out, char *err, size_t errlen)
{
    const char *s = config_get(cfg, key);
    if (!s || !*s)
        return 0;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || end == s || v < min || v > max) {
        snprintf(err, errlen, "%s: expected a number from %g to %g", key, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

static int get_u32(const struct config *cfg, const char *key, uint32_t min, uint32_t *out,
                   char *err, size_t errlen)
{
    long long v;
    int rc = config_get_int(cfg, key, &v);
    if (rc == -ENOENT)
        return 0;
    if (rc != 0 || v < (long long)min || v > UINT32_MAX) {
        snprintf(err, errlen, "%s: expected a number from %u to 4294967295", key, min);
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

static int get_size(const struct config *cfg, const char *key, uint64_t min, uint64_t *out,
                    char *err, size_t errlen)
{
    if (!config_find(cfg, key))
        return 0;
    uint64_t v;
    if (config_get_size(cfg, key, &v) != 0 || v < min) {
        snprintf(err, errlen, "%s: expected a size (e.g. 64mb) of at least %llu bytes", key,
                 (unsigned long long)min);
        return -1;
    }
    *out = v;
    return 0;
}

static int get_bool(const struct config *cfg, const char *key, bool *out, char *err, size_t errlen)
{
    const char *s = config_get(cfg, key);
    if (!s || !*s)
        return 0;
    if (config_parse_bool(s, out) != 0) {
        snprintf(err, errlen, "%s: expected yes or no", key);
        return -1;
    }
    return 0;
}

int behaviour_config_load(struct behaviour_config *c, const struct config *cfg, char *err,
                          size_t errlen)
{
    if (!cfg)
        return 0;
    if (get_bool(cfg, "behaviour.enabled", &c->enabled, err, errlen) ||
        get_bool(cfg, "behaviour.scan.enabled", &c->scan.enabled, err, errlen) ||
        get_bool(cfg, "behaviour.scan.udp", &c->scan.udp, err, errlen) ||
        get_bool(cfg, "behaviour.scan.icmp", &c->scan.icmp, err, errlen) ||
        get_u32(cfg, "behaviour.scan.window", 1, &c->scan.window_sec, err, errlen) ||
        get_u32(cfg, "behaviour.scan.vertical.ports", 2, &c->scan.vertical_ports, err, errlen) ||
        get_u32(cfg, "behaviour.scan.horizontal.hosts", 2, &c->scan.horizontal_hosts, err,
                errlen) ||
        get_bool(cfg, "behaviour.bruteforce.enabled", &c->bruteforce.enabled, err, errlen) ||
        get_u32(cfg, "behaviour.bruteforce.window", 1, &c->bruteforce.window_sec, err, errlen) ||
        get_bool(cfg, "behaviour.bruteforce.ssh.enabled", &c->bruteforce.ssh, err, errlen) ||
        get_u32(cfg, "behaviour.bruteforce.ssh.attempts", 2, &c->bruteforce.ssh_attempts, err,
                errlen) ||
        get_u32(cfg, "behaviour.bruteforce.ssh.max-duration", 1,
                &c->bruteforce.ssh_max_duration_sec, err, errlen) ||
        get_u32(cfg, "behaviour.bruteforce.ssh.max-client-bytes", 1,
                &c->bruteforce.ssh_max_client_bytes, err, errlen) ||
        get_bool(cfg, "behaviour.bruteforce.http.enabled", &c->bruteforce.http, err, errlen) ||
        get_u32(cfg, "behaviour.bruteforce.http.failures", 2, &c->bruteforce.http_failures, err,
                errlen) ||
        get_bool(cfg, "behaviour.bruteforce.ftp.enabled", &c->bruteforce.ftp, err, errlen) ||
        get_u32(cfg, "behaviour.bruteforce.ftp.failures", 2, &c->bruteforce.ftp_failures, err,
                errlen) ||
        get_bool(cfg, "behaviour.bruteforce.smtp.enabled", &c->bruteforce.smtp, err, errlen) ||
        get_u32(cfg, "behaviour.bruteforce.smtp.failures", 2, &c->bruteforce.smtp_failures, err,
                errlen) ||
        get_bool(cfg, "behaviour.dns.enabled", &c->dns.enabled, err, errlen) ||
        get_u32(cfg, "behaviour.dns.window", 1, &c->dns.window_sec, err, errlen) ||
        get_u32(cfg, "behaviour.dns.tunnel.long-label", 8, &c->dns.long_label, err, errlen) ||
        get_double(cfg, "behaviour.dns.tunnel.min-entropy", 0, 6, &c->dns.min_entropy, err,
                   errlen) ||
        get_u32(cfg, "behaviour.dns.tunnel.long-queries", 1, &c->dns.long_queries, err,
                errlen) ||
        get_u32(cfg, "behaviour.dns.tunnel.unique-subdomains", 2, &c->dns.unique_subdomains,
                err, errlen) ||
        get_u32(cfg, "behaviour.dns.tunnel.txt-null-queries", 1, &c->dns.txt_null_queries, err,
                errlen) ||
        get_u32(cfg, "behaviour.dns.tunnel.bytes", 64, &c->dns.volume_bytes, err, errlen) ||
        get_bool(cfg, "behaviour.dns.dga.enabled", &c->dns.dga, err, errlen) ||
        get_u32(cfg, "behaviour.dns.dga.min-length", 3, &c->dns.dga_min_letters, err,
                errlen) ||
        get_double(cfg, "behaviour.dns.dga.max-score", -20, 0, &c->dns.dga_max_score, err,
                   errlen) ||
        get_u32(cfg, "behaviour.dns.dga.domains", 1, &c->dns.dga_domains, err, errlen) ||
        get_bool(cfg, "behaviour.dns.dga.nxdomain-only", &c->dns.dga_nxdomain_only, err,
                 errlen) ||
        get_bool(cfg, "behaviour.beacon.enabled", &c->beacon.enabled, err, errlen) ||
        get_u32(cfg, "behaviour.beacon.min-connections", 4, &c->beacon.min_connections, err,
                errlen) ||
        get_double(cfg, "behaviour.beacon.min-score", 0, 1, &c->beacon.min_score, err, errlen) ||
        get_u32(cfg, "behaviour.beacon.min-interval", 0, &c->beacon.min_interval_sec, err,
                errlen) ||
        get_u32(cfg, "behaviour.beacon.max-interval", 1, &c->beacon.max_interval_sec, err,
                errlen) ||
        get_ports(cfg, "behaviour.beacon.ignore-ports", c->beacon.ignore_ports,
                  &c->beacon.ignore_port_count, err, errlen) ||
        get_bool(cfg, "behaviour.exfil.enabled", &c->exfil.enabled, err, errlen) ||
        get_u32(cfg, "behaviour.exfil.window", 1, &c->exfil.window_sec, err, errlen) ||
        get_u32(cfg, "behaviour.exfil.learning-windows", 0, &c->exfil.learning_windows, err,
                errlen) ||
        get_double(cfg, "behaviour.exfil.factor", 1, 1e6, &c->exfil.factor, err, errlen) ||
        get_size(cfg, "behaviour.exfil.min-bytes", 1, &c->exfil.min_bytes, err, errlen) ||
        get_size(cfg, "behaviour.exfil.new-destination-bytes", 1, &c->exfil.new_dest_bytes, err,
                 errlen) ||
        get_size(cfg, "behaviour.exfil.dns-bytes", 1, &c->exfil.dns_bytes, err, errlen) ||
        get_size(cfg, "behaviour.exfil.icmp-bytes", 1, &c->exfil.icmp_bytes, err, errlen) ||
        get_u32(cfg, "behaviour.exfil.card-numbers", 0, &c->exfil.card_numbers, err, errlen) ||
        get_u32(cfg, "behaviour.exfil.ibans", 0, &c->exfil.ibans, err, errlen) ||
        get_bool(cfg, "behaviour.new.enabled", &c->rare.enabled, err, errlen) ||
        get_u32(cfg, "behaviour.new.learning", 0, &c->rare.learning_sec, err, errlen) ||
        get_u32(cfg, "behaviour.new.learning-flows", 0, &c->rare.learning_flows, err, errlen) ||
        get_bool(cfg, "behaviour.new.server-outbound", &c->rare.server, err, errlen) ||
        get_bool(cfg, "behaviour.new.fingerprints", &c->rare.fingerprints, err, errlen) ||
        get_bool(cfg, "behaviour.new.certificates", &c->rare.certificates, err, errlen) ||
        get_size(cfg, "behaviour.profiles.memcap", 64 * 1024, &c->profiles_memcap, err, errlen) ||
        get_u32(cfg, "behaviour.profiles.save-interval", 10, &c->profiles_save_sec, err, errlen) ||
        get_u32(cfg, "behaviour.fraud-entries", 64, &c->fraud_entries, err, errlen) ||
        get_bool(cfg, "behaviour.sip.enabled", &c->sip.enabled, err, errlen) ||
        get_u32(cfg, "behaviour.sip.window", 1, &c->sip.window_sec, err, errlen) ||
        get_u32(cfg, "behaviour.sip.failures", 0, &c->sip.failures, err, errlen) ||
        get_u32(cfg, "behaviour.sip.scan-users", 0, &c->sip.scan_users, err, errlen) ||
        get_u32(cfg, "behaviour.sip.new-source", 0, &c->sip.new_source_sec, err, errlen) ||
        get_u32(cfg, "behaviour.sip.learning", 0, &c->sip.learning_sec, err, errlen) ||
        get_u32(cfg, "behaviour.sip.long-call", 0, &c->sip.long_call_sec, err, errlen) ||
        get_bool(cfg, "behaviour.iso8583.enabled", &c->iso8583.enabled, err, errlen) ||
        get_u32(cfg, "behaviour.iso8583.window", 1, &c->iso8583.window_sec, err, errlen) ||
        get_u32(cfg, "behaviour.iso8583.declines", 0, &c->iso8583.declines, err, errlen) ||
        get_u32(cfg, "behaviour.iso8583.cards", 0, &c->iso8583.cards, err, errlen) ||
        get_u32(cfg, "behaviour.iso8583.small-amount", 0, &c->iso8583.small_amount, err, errlen))
        return -1;
    const char *persist = config_get(cfg, "behaviour.profiles.persist");
    if (persist && *persist) {
        bool on;
        if (strcmp(persist, "auto") == 0) {
            c->profiles_persist = -1;
        } else if (config_parse_bool(persist, &on) == 0) {
            c->profiles_persist = on;
        } else {
            snprintf(err, errlen, "behaviour.profiles.persist: expected auto, yes or no");
            return -1;
        }
    }
    const char *file = config_get(cfg, "behaviour.profiles.state-file");
    if (file && *file &&
        (size_t)snprintf(c->profiles_file, sizeof c->profiles_file, "%s", file) >=
            sizeof c->profiles_file) {
        snprintf(err, errlen, "behaviour.profiles.state-file: longer than %zu bytes",
                 sizeof c->profiles_file - 1);
        return -1;
    }
    /* behaviour.sip.toll-prefixes: a list of dialled-number prefixes */
    const struct config_node *tp = config_find(cfg, "behaviour.sip.toll-prefixes");
    if (tp) {
        c->sip.toll_prefix_count = 0;
        for (const struct config_node *n = config_node_first_child(tp); n;
             n = config_node_next(n)) {
            const char *v = config_node_value(n);
            if (!v || !*v || strlen(v) >= sizeof c->sip.toll_prefixes[0] ||
                c->sip.toll_prefix_count >= BEHAVIOUR_TOLL_PREFIX_MAX) {
                snprintf(err, errlen,
                         "behaviour.sip.toll-prefixes: at most %d prefixes of at most 15 "
                         "characters",
                         BEHAVIOUR_TOLL_PREFIX_MAX);
                return -1;
            }
            snprintf(c->sip.toll_prefixes[c->sip.toll_prefix_count],
                     sizeof c->sip.toll_prefixes[0], "%s", v);
            c->sip.toll_prefix_count++;
        }
        config_node_mark_subtree_used(tp);
    }
    /* The detectors' HOME_NET is the rules' one (address groups may refer
     * to each other); read when a detector that needs it is on. */
    const char *home = config_get(cfg, "vars.address-groups.HOME_NET");
    if (home && *home && behaviour_profiles_wanted(c)) {
        struct rule_set *rs = rule_set_new(cfg);
        if (!rs) {
            snprintf(err, errlen, "vars.address-groups.HOME_NET: out of memory");
            return -1;
        }
        int rc = set_home(c, home, rs, err, errlen);
        rule_set_free(rs);
        if (rc != 0)
            return -1;
    }
    if (config_find(cfg, "behaviour.beacon.max-bytes") &&
        config_get_size(cfg, "behaviour.beacon.max-bytes", &c->beacon.max_bytes) != 0) {
        snprintf(err, errlen, "behaviour.beacon.max-bytes: expected a size");
        return -1;
    }
    if (config_find(cfg, "behaviour.beacon.memcap")) {
        uint64_t v;
        if (config_get_size(cfg, "behaviour.beacon.memcap", &v) != 0 || v < 64 * 1024) {
            snprintf(err, errlen, "behaviour.beacon.memcap: expected a size of at least 64kb");
            return -1;
        }
        c->beacon.memcap = v;
    }
    if (config_find(cfg, "behaviour.memcap")) {
        uint64_t v;
        if (config_get_size(cfg, "behaviour.memcap", &v) != 0 || v < 64 * 1024) {
            snprintf(err, errlen, "behaviour.memcap: expected a size of at least 64kb");
            return -1;
        }
        c->memcap = v;
    }
    return 0;
}

struct behaviour_ctx *behaviour_ctx_new(const struct behaviour_config *c,
                                        struct behaviour_store *store, behaviour_alert_fn fn,
                                        void *user)
{
    if (!behaviour_any_enabled(c))
        return NULL;
    struct behaviour_ctx *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->cfg = c[0];
    b->alert = fn;
    b->alert_user = user;
    bool shared_needed = c->scan.enabled || c->bruteforce.enabled || c->dns.enabled ||
                         behaviour_profiles_wanted(c);
    if (!store && shared_needed) {
        store = behaviour_store_new(c);
        if (!store) {
            free(b);
            return NULL;
        }
        b->own_store = true;
    }
    if (c->beacon.enabled) {
        /* Idle beacon trackers are reusable after twice the longest interval. */
        b->beacon = behaviour_store_new_cap(c, c->beacon.memcap,
                                            2ull * c->beacon.max_interval_sec * 1000000ull);
        if (!b->beacon) {
            if (b->own_store)
                behaviour_store_free(store);
            free(b);
            return NULL;
        }
    }
    b->store = store;
    if (store) {
        b->cfg = store->cfg; /* the store's thresholds rule */
        pthread_mutex_lock(&store->lock);
        b->report_store = store->nctx++ == 0;
        pthread_mutex_unlock(&store->lock);
    }
    return b;
}

void behaviour_ctx_free(struct behaviour_ctx *b)
{
    if (!b)
        return;
    if (b->own_store)
        behaviour_store_free(b->store);
    behaviour_store_free(b->beacon);
    free(b);
}

void behaviour_flow_end(struct behaviour_ctx *b, struct flow *f)
{
    if (!b)
        return;
    behaviour_beacon_flow_end(b, f);
    if (!b->store)
        return;
    behaviour_bruteforce_flow_end(b, f);
    behaviour_profile_flow_end(b, f);
    if (!b->cfg.scan.enabled)
        return;
    if (f->key.proto == 1 || f->key.proto == 58) {
        if (!b->cfg.scan.icmp)
            return;
        enum behaviour_probe k = behaviour_classify_icmp(f->key.proto, f->icmp_type,
                                                         f->pkts_toserver);
        if (k != BEHAVIOUR_PROBE_NONE)
            behaviour_scan_probe(b, f, f->key.proto, k, &f->key.src, &f->key.dst, 0,
                                 f->start_usec);
        return;
    }
    if (f->key.proto != 6 && !(f->key.proto == 17 && b->cfg.scan.udp))
        return;
    enum behaviour_probe kind =
        behaviour_classify(f->key.proto, f->tcp_flags_toserver, f->tcp_flags_toclient,
                           f->pkts_toserver, f->pkts_toclient - f->icmp_errors_toclient);
    if (kind == BEHAVIOUR_PROBE_NONE)
        return;
    /* The probe's time is when it was sent: flows end late (timeouts) and
     * not in the order they started. */
    behaviour_scan_probe(b, f, f->key.proto, kind, &f->key.src, &f->key.dst, f->key.dst_port,
                         f->start_usec);
}

void behaviour_stats_add(struct behaviour_stats *t, const struct behaviour_stats *s)
{
    t->scan_probes += s->scan_probes;
    t->scan_alerts += s->scan_alerts;
    t->scan_suppressed += s->scan_suppressed;
    for (int i = 0; i < BEHAVIOUR_BF_SERVICES; i++)
        t->bf_attempts[i] += s->bf_attempts[i];
    t->bf_alerts += s->bf_alerts;
    t->bf_suppressed += s->bf_suppressed;
    t->dns_queries += s->dns_queries;
    t->dns_alerts += s->dns_alerts;
    t->dga_names += s->dga_names;
    t->dga_alerts += s->dga_alerts;
    t->beacon_conns += s->beacon_conns;
    t->beacon_alerts += s->beacon_alerts;
    t->beacon_trackers += s->beacon_trackers;
    t->beacon_evictions += s->beacon_evictions;
    t->beacon_memuse += s->beacon_memuse;
    t->exfil_flows += s->exfil_flows;
    t->exfil_alerts += s->exfil_alerts;
    t->exfil_cards += s->exfil_cards;
    t->exfil_ibans += s->exfil_ibans;
    t->exfil_data_alerts += s->exfil_data_alerts;
    t->exfil_scan_truncated += s->exfil_scan_truncated;
    t->new_alerts += s->new_alerts;
    t->profiles += s->profiles;
    t->profile_evictions += s->profile_evictions;
    t->profile_memuse += s->profile_memuse;
    t->trackers += s->trackers;
    t->tracker_reused += s->tracker_reused;
    t->memcap_evictions += s->memcap_evictions;
    t->memuse += s->memuse;
    t->sip_failures += s->sip_failures;
    t->iso8583_declines += s->iso8583_declines;
    t->fraud_alerts += s->fraud_alerts;
    t->fraud_evictions += s->fraud_evictions;
    t->fraud_memuse += s->fraud_memuse;
}

void behaviour_stats_write_json(const struct behaviour_stats *s, struct json_writer *w)
{
    json_key_object_begin(w, "behaviour");
    json_key_object_begin(w, "scan");
    json_key_u64(w, "probes", s->scan_probes);
    json_key_u64(w, "alerts", s->scan_alerts);
    json_key_u64(w, "suppressed", s->scan_suppressed);
    json_object_end(w);
    json_key_object_begin(w, "bruteforce");
    json_key_u64(w, "ssh_attempts", s->bf_attempts[BEHAVIOUR_SID_BF_SSH]);
    json_key_u64(w, "http_failures", s->bf_attempts[BEHAVIOUR_SID_BF_HTTP]);
    json_key_u64(w, "ftp_failures", s->bf_attempts[BEHAVIOUR_SID_BF_FTP]);
    json_key_u64(w, "smtp_failures", s->bf_attempts[BEHAVIOUR_SID_BF_SMTP]);
    json_key_u64(w, "alerts", s->bf_alerts);
    json_key_u64(w, "suppressed", s->bf_suppressed);
    json_object_end(w);
    json_key_object_begin(w, "dns");
    json_key_u64(w, "queries", s->dns_queries);
    json_key_u64(w, "tunnel_alerts", s->dns_alerts);
    json_key_u64(w, "dga_names", s->dga_names);
    json_key_u64(w, "dga_alerts", s->dga_alerts);
    json_object_end(w);
    json_key_object_begin(w, "beacon");
    json_key_u64(w, "connections", s->beacon_conns);
    json_key_u64(w, "alerts", s->beacon_alerts);
    json_key_u64(w, "trackers", s->beacon_trackers);
    json_key_u64(w, "memcap_evictions", s->beacon_evictions);
    json_key_u64(w, "memuse", s->beacon_memuse);
    json_object_end(w);
    json_key_object_begin(w, "exfil");
    json_key_u64(w, "flows", s->exfil_flows);
    json_key_u64(w, "alerts", s->exfil_alerts);
    json_key_u64(w, "card_numbers", s->exfil_cards);
    json_key_u64(w, "ibans", s->exfil_ibans);
    json_key_u64(w, "data_alerts", s->exfil_data_alerts);
    json_key_u64(w, "pii_scan_truncated", s->exfil_scan_truncated);
    json_object_end(w);
    json_key_object_begin(w, "new");
    json_key_u64(w, "alerts", s->new_alerts);
    json_object_end(w);
    json_key_object_begin(w, "profiles");
    json_key_u64(w, "hosts", s->profiles);
    json_key_u64(w, "memcap_evictions", s->profile_evictions);
    json_key_u64(w, "memuse", s->profile_memuse);
    json_object_end(w);
    json_key_u64(w, "trackers", s->trackers);
    json_key_u64(w, "tracker_reused", s->tracker_reused);
    json_key_u64(w, "memcap_evictions", s->memcap_evictions);
    json_key_u64(w, "memuse", s->memuse);
    json_key_object_begin(w, "fraud");
    json_key_u64(w, "sip_failures", s->sip_failures);
    json_key_u64(w, "iso8583_declines", s->iso8583_declines);
    json_key_u64(w, "alerts", s->fraud_alerts);
    json_key_u64(w, "memcap_evictions", s->fraud_evictions);
    json_key_u64(w, "memuse", s->fraud_memuse);
    json_object_end(w);
    json_object_end(w);
}
