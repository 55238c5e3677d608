/* SPDX-License-Identifier: Apache-2.0 */
/* Behavioural detectors: what signatures miss (issue 16). This first
 * increment has the scan detector (gid 7200, sids in docs/behaviour.md).
 *
 * Each worker owns one struct behaviour_ctx. The detectors look at a flow
 * once, when it ends (flow_end hook of the worker), without locks, so
 * ordinary traffic costs a few flag tests per flow and no state: only flows
 * that look like probes (unanswered or rejected SYN, SYN answered and reset
 * without data, FIN/NULL/Xmas without a handshake, UDP without reply, ICMP
 * echo requests) are counted, in one struct behaviour_store that all workers
 * share (a mutex taken for probe flows only), so a sweep whose flows land on
 * different workers is counted whole. State is bounded by behaviour.memcap:
 * when it is full, the least recently used tracker is reused (counted). */
#ifndef VIGIL_BEHAVIOUR_H
#define VIGIL_BEHAVIOUR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect/rule.h"
#include "util/builtin_alert.h"

struct config;
struct flow;
struct json_writer;

#define BEHAVIOUR_GID_SCAN 7200
#define BEHAVIOUR_GID_BRUTEFORCE 7201
#define BEHAVIOUR_GID_DNS 7202
#define BEHAVIOUR_GID_BEACON 7203
#define BEHAVIOUR_SID_BEACON 1 /* periodic small connections, one host to one destination */
#define BEHAVIOUR_BEACON_MAX_IGNORE 32
#define BEHAVIOUR_GID_EXFIL 7204
#define BEHAVIOUR_GID_NEW 7205
#define BEHAVIOUR_GID_SIP 7300     /* SIP fraud (behaviour_fraud.c) */
#define BEHAVIOUR_GID_ISO8583 7303 /* ISO 8583 payment fraud (behaviour_fraud.c) */
#define BEHAVIOUR_TOLL_PREFIX_MAX 16
/* HOME_NET as the behavioural detectors hold it (a copy, so the
 * configuration stays a plain value): at most this many ranges. */
#define BEHAVIOUR_HOME_MAX 128

/* sids of gid 7200 */
enum {
    BEHAVIOUR_SID_TCP_PORTSCAN = 1,  /* vertical: one source, many TCP ports of one host */
    BEHAVIOUR_SID_TCP_PORTSWEEP = 2, /* horizontal: one source, one TCP port of many hosts */
    BEHAVIOUR_SID_UDP_PORTSCAN = 3,
    BEHAVIOUR_SID_UDP_PORTSWEEP = 4,
    BEHAVIOUR_SID_ICMP_SWEEP = 5,    /* one source, ICMP echo/timestamp requests to many hosts */
};

/* sids of gid 7201 (also the service index of the brute-force trackers) */
enum {
    BEHAVIOUR_SID_BF_SSH = 1,        /* many short SSH sessions ended soon after key exchange */
    BEHAVIOUR_SID_BF_HTTP = 2,       /* a burst of HTTP 401/403 responses */
    BEHAVIOUR_SID_BF_FTP = 3,        /* FTP PASS answered 530/430 */
    BEHAVIOUR_SID_BF_SMTP = 4,       /* SMTP AUTH answered 535 */
    BEHAVIOUR_BF_SERVICES = 5        /* 1 + the number of services above */
};

/* sids of gid 7202 (per client and parent domain, except DGA: per client) */
enum {
    BEHAVIOUR_SID_DNS_LONG_LABELS = 1, /* many names with a long high-entropy label */
    BEHAVIOUR_SID_DNS_UNIQUE = 2,      /* many unique subdomains of one parent */
    BEHAVIOUR_SID_DNS_TXT_NULL = 3,    /* many TXT/NULL queries under one parent */
    BEHAVIOUR_SID_DNS_VOLUME = 4,      /* many bytes of new subdomain names under one parent */
    BEHAVIOUR_SID_DNS_DGA = 5,         /* many algorithmically generated-looking domains */
    BEHAVIOUR_DNS_SIDS = 6
};

/* sids of gid 7204: data leaving an internal host (HOME_NET) */
enum {
    BEHAVIOUR_SID_EXFIL_VOLUME = 1,   /* bytes out in a window far above the host's baseline */
    BEHAVIOUR_SID_EXFIL_NEW_DEST = 2, /* a large upload to a destination the host never used */
    BEHAVIOUR_SID_EXFIL_DNS = 3,      /* many bytes out over DNS in a window */
    BEHAVIOUR_SID_EXFIL_ICMP = 4,     /* many bytes out over ICMP in a window */
    BEHAVIOUR_SID_EXFIL_CARDS = 5,    /* payment card numbers (Luhn) in cleartext */
    BEHAVIOUR_SID_EXFIL_IBANS = 6,    /* IBANs (mod-97 check digits) in cleartext */
};

/* sids of gid 7205: new and rare for an internal host */
enum {
    BEHAVIOUR_SID_NEW_SERVER_OUT = 1, /* a known internal server's first Internet contact */
    BEHAVIOUR_SID_NEW_JA4 = 2,        /* a TLS client fingerprint new for the host */
    BEHAVIOUR_SID_NEW_HASSH = 3,      /* an SSH client fingerprint new for the host */
    BEHAVIOUR_SID_SELF_SIGNED = 4,    /* outbound TLS, the server's certificate self-signed */
    BEHAVIOUR_SID_EXPIRED = 5,        /* outbound TLS, the server's certificate expired */
};

struct behaviour_home {
    bool any;
    uint32_t count;
    struct rule_addr_range r[BEHAVIOUR_HOME_MAX];
};

struct behaviour_config {
    bool enabled;                /* behaviour.enabled (default yes) */
    uint64_t memcap;             /* behaviour.memcap, bytes per worker (default 16 MiB) */
    struct {
        bool enabled;            /* behaviour.scan.enabled */
        bool udp;                /* behaviour.scan.udp: UDP probes count too */
        bool icmp;               /* behaviour.scan.icmp: ICMP sweeps (echo, timestamp) */
        uint32_t window_sec;     /* behaviour.scan.window */
        uint32_t vertical_ports; /* behaviour.scan.vertical.ports: distinct ports on one host */
        uint32_t horizontal_hosts; /* behaviour.scan.horizontal.hosts: distinct hosts, one port */
    } scan;
    struct {
        bool enabled;            /* behaviour.bruteforce.enabled */
        uint32_t window_sec;     /* behaviour.bruteforce.window */
        bool ssh;                /* behaviour.bruteforce.ssh.enabled */
        uint32_t ssh_attempts;   /* behaviour.bruteforce.ssh.attempts: failed sessions */
        uint32_t ssh_max_duration_sec; /* behaviour.bruteforce.ssh.max-duration */
        uint32_t ssh_max_client_bytes; /* behaviour.bruteforce.ssh.max-client-bytes */
        bool http;               /* behaviour.bruteforce.http.enabled */
        uint32_t http_failures;  /* behaviour.bruteforce.http.failures: 401/403 responses */
        bool ftp;                /* behaviour.bruteforce.ftp.enabled */
        uint32_t ftp_failures;   /* behaviour.bruteforce.ftp.failures: PASS answered 530/430 */
        bool smtp;               /* behaviour.bruteforce.smtp.enabled */
        uint32_t smtp_failures;  /* behaviour.bruteforce.smtp.failures: AUTH answered 535 */
    } bruteforce;
    struct {
        bool enabled;            /* behaviour.dns.enabled */
        uint32_t window_sec;     /* behaviour.dns.window */
        uint32_t long_label;     /* behaviour.dns.tunnel.long-label: characters */
        double min_entropy;      /* behaviour.dns.tunnel.min-entropy: bits per character */
        uint32_t long_queries;   /* behaviour.dns.tunnel.long-queries */
        uint32_t unique_subdomains; /* behaviour.dns.tunnel.unique-subdomains */
        uint32_t txt_null_queries; /* behaviour.dns.tunnel.txt-null-queries */
        uint32_t volume_bytes;   /* behaviour.dns.tunnel.bytes: new subdomain name bytes */
        bool dga;                /* behaviour.dns.dga.enabled */
        uint32_t dga_min_letters; /* behaviour.dns.dga.min-length: letters of the label */
        double dga_max_score;    /* behaviour.dns.dga.max-score: mean log2 bigram probability */
        uint32_t dga_domains;    /* behaviour.dns.dga.domains: distinct DGA-like domains */
        bool dga_nxdomain_only;  /* behaviour.dns.dga.nxdomain-only */
    } dns;
    struct {
        bool enabled;            /* behaviour.beacon.enabled */
        uint64_t memcap;         /* behaviour.beacon.memcap, bytes per worker */
        uint32_t min_connections; /* behaviour.beacon.min-connections */
        double min_score;        /* behaviour.beacon.min-score (0-1) */
        uint32_t min_interval_sec; /* behaviour.beacon.min-interval */
        uint32_t max_interval_sec; /* behaviour.beacon.max-interval */
        uint64_t max_bytes;      /* behaviour.beacon.max-bytes: client bytes per connection */
        uint16_t ignore_ports[BEHAVIOUR_BEACON_MAX_IGNORE]; /* behaviour.beacon.ignore-ports */
        uint32_t ignore_port_count;
    } beacon;
    /* vars.address-groups.HOME_NET: the hosts whose data and habits
     * gids 7204/7205 watch. */
    struct behaviour_home home;
    uint64_t profiles_memcap;    /* behaviour.profiles.memcap: per-host profiles, bytes */
    /* behaviour.profiles.persist: saved across restarts; auto (-1): on live
     * capture only (a capture file's replay starts from nothing). */
    int profiles_persist;
    char profiles_file[512];     /* behaviour.profiles.state-file (relative: to data-dir) */
    uint32_t profiles_save_sec;  /* behaviour.profiles.save-interval, seconds */
    struct {
        bool enabled;            /* behaviour.exfil.enabled */
        uint32_t window_sec;     /* behaviour.exfil.window */
        uint32_t learning_windows; /* behaviour.exfil.learning-windows: before sid 1/2 */
        double factor;           /* behaviour.exfil.factor: window bytes over the baseline */
        uint64_t min_bytes;      /* behaviour.exfil.min-bytes: sid 1 floor */
        uint64_t new_dest_bytes; /* behaviour.exfil.new-destination-bytes: one flow, sid 2 */
        uint64_t dns_bytes;      /* behaviour.exfil.dns-bytes: per window, sid 3 */
        uint64_t icmp_bytes;     /* behaviour.exfil.icmp-bytes: per window, sid 4 */
        uint32_t card_numbers;   /* behaviour.exfil.card-numbers: per transaction (0: off) */
        uint32_t ibans;          /* behaviour.exfil.ibans: per transaction (0: off) */
    } exfil;
    struct {
        bool enabled;            /* behaviour.new.enabled */
        uint32_t learning_sec;   /* behaviour.new.learning: a host's profile is learnt first */
        uint32_t learning_flows; /* behaviour.new.learning-flows: and has seen this many flows */
        bool server;             /* behaviour.new.server-outbound */
        bool fingerprints;       /* behaviour.new.fingerprints (JA4, HASSH) */
        bool certificates;       /* behaviour.new.certificates (self-signed, expired) */
    } rare;
    /* Telecom and payment fraud (behaviour_fraud.c, gids 7300 and 7303). */
    uint32_t fraud_entries;      /* behaviour.fraud-entries: sources, calls, terminals tracked */
    struct {
        bool enabled;            /* behaviour.sip.enabled */
        uint32_t window_sec;     /* behaviour.sip.window */
        uint32_t failures;       /* behaviour.sip.failures: 7300:1 (0: off) */
        uint32_t scan_users;     /* behaviour.sip.scan-users: 7300:2 (0: off) */
        uint32_t new_source_sec; /* behaviour.sip.new-source: a source is new this long */
        uint32_t learning_sec;   /* behaviour.sip.learning: sources seen this long after the
                                  * first SIP message are known, never new */
        uint32_t long_call_sec;  /* behaviour.sip.long-call: 7300:4 (0: off) */
        char toll_prefixes[BEHAVIOUR_TOLL_PREFIX_MAX][16]; /* behaviour.sip.toll-prefixes: 7300:3 */
        uint32_t toll_prefix_count;
    } sip;
    struct {
        bool enabled;            /* behaviour.iso8583.enabled */
        uint32_t window_sec;     /* behaviour.iso8583.window */
        uint32_t declines;       /* behaviour.iso8583.declines: 7303:1 (0: off) */
        uint32_t cards;          /* behaviour.iso8583.cards: 7303:2 (0: off) */
        uint32_t small_amount;   /* behaviour.iso8583.small-amount: minor units */
    } iso8583;
};

void behaviour_config_defaults(struct behaviour_config *c);
/* Reads the `behaviour:` section (keys are marked as read for the
 * configuration check). Returns 0, or -1 with a message naming the key in err. */
int behaviour_config_load(struct behaviour_config *c, const struct config *cfg, char *err,
                          size_t errlen);

/* An alert for the flow that completed the evidence (its source is the
 * scanner). */
typedef void (*behaviour_alert_fn)(void *user, struct flow *f, const struct builtin_alert *a);

struct behaviour_ctx;
struct behaviour_store;

/* The trackers the workers share; NULL when disabled or out of memory. */
struct behaviour_store *behaviour_store_new(const struct behaviour_config *c);
void behaviour_store_free(struct behaviour_store *s);

/* A worker's context on store (NULL: a private store of its own, as in a
 * single-threaded use). NULL when disabled (the hook then costs one test)
 * or out of memory. */
struct behaviour_ctx *behaviour_ctx_new(const struct behaviour_config *c,
                                        struct behaviour_store *store, behaviour_alert_fn fn,
                                        void *user);
void behaviour_ctx_free(struct behaviour_ctx *b);

/* The flow hook: call once per flow when it ends, before it is logged. */
void behaviour_flow_end(struct behaviour_ctx *b, struct flow *f);

/* The transaction hook (the app event sink's tx_inspect): a transaction's
 * direction is complete; ts_usec is the current packet's time. */
struct app_tx;
void behaviour_tx(struct behaviour_ctx *b, struct flow *f, uint64_t ts_usec,
                  const struct app_tx *tx, uint8_t direction);
/* True when the configuration needs the transaction hook (the sensor then
 * turns on app-layer inspection). */
bool behaviour_wants_tx(const struct behaviour_config *c);

/* Per context; the store's own counters (trackers, memuse, reuse and
 * evictions) are reported by the first context of the store only, so that
 * summing the workers' stats counts them once. */
struct behaviour_stats {
    uint64_t scan_probes;        /* flows counted as probes */
    uint64_t scan_alerts;
    uint64_t scan_suppressed;    /* threshold crossed again within the window of an alert */
    uint64_t bf_attempts[BEHAVIOUR_BF_SERVICES]; /* failed attempts counted, per sid */
    uint64_t bf_alerts;
    uint64_t bf_suppressed;
    uint64_t dns_queries;        /* DNS questions looked at */
    uint64_t dns_alerts;         /* 7202:1-4 */
    uint64_t dga_names;          /* names scored as algorithmically generated */
    uint64_t dga_alerts;         /* 7202:5 */
    uint64_t beacon_conns;       /* connections tracked for beaconing */
    uint64_t beacon_alerts;
    uint64_t beacon_trackers;    /* the workers' beacon trackers (summed) */
    uint64_t beacon_evictions;   /* live beacon trackers dropped at the memcap */
    uint64_t beacon_memuse;
    uint64_t exfil_flows;        /* flows of an internal host to an external one */
    uint64_t exfil_alerts;       /* 7204:1-4 */
    uint64_t exfil_cards;        /* card numbers seen leaving (values never kept) */
    uint64_t exfil_ibans;        /* IBANs seen leaving */
    uint64_t exfil_data_alerts;  /* 7204:5-6 */
    uint64_t exfil_scan_truncated; /* buffers longer than the PII scan limit (tail not scanned) */
    uint64_t new_alerts;         /* 7205 */
    uint64_t profiles;           /* host profiles in use now */
    uint64_t profile_evictions;  /* a live profile dropped at the memcap */
    uint64_t profile_memuse;
    uint64_t trackers;           /* trackers in use now */
    uint64_t tracker_reused;     /* an expired tracker reused */
    uint64_t memcap_evictions;   /* a live tracker dropped because memcap was reached */
    uint64_t memuse;             /* bytes */
    uint64_t sip_failures;       /* failed SIP requests counted (7300) */
    uint64_t iso8583_declines;   /* declined ISO 8583 responses counted (7303) */
    uint64_t fraud_alerts;       /* 7300 and 7303 */
    uint64_t fraud_evictions;    /* a live fraud entry reused at the table's size */
    uint64_t fraud_memuse;       /* the fraud table (behaviour.fraud-entries), bytes */
};

void behaviour_stats_get(const struct behaviour_ctx *b, struct behaviour_stats *s);
void behaviour_stats_add(struct behaviour_stats *t, const struct behaviour_stats *s);
/* "behaviour": {...} in the EVE stats record. */
void behaviour_stats_write_json(const struct behaviour_stats *s, struct json_writer *w);

/* Probe classification of a finished flow (exposed for the unit test). */
enum behaviour_probe {
    BEHAVIOUR_PROBE_NONE = 0,
    BEHAVIOUR_PROBE_SYN,         /* SYN unanswered or answered with RST */
    BEHAVIOUR_PROBE_HALF_OPEN,   /* SYN/ACK answered with RST, no data (SYN scan, open port) */
    BEHAVIOUR_PROBE_FIN,
    BEHAVIOUR_PROBE_NULL,
    BEHAVIOUR_PROBE_XMAS,
    BEHAVIOUR_PROBE_UDP,         /* UDP without any reply */
    BEHAVIOUR_PROBE_ICMP,        /* ICMP echo/timestamp/address-mask request, at most 3 */
    BEHAVIOUR_PROBE_MAX
};
enum behaviour_probe behaviour_classify(uint8_t proto, uint8_t flags_toserver,
                                        uint8_t flags_toclient, uint64_t pkts_toserver,
                                        uint64_t pkts_toclient);
/* ICMP (proto 1) or ICMPv6 (58) flow whose first packet had type icmp_type. */
enum behaviour_probe behaviour_classify_icmp(uint8_t proto, uint8_t icmp_type,
                                             uint64_t pkts_toserver);
const char *behaviour_probe_name(enum behaviour_probe p);

/* The window/threshold core without a flow (unit test): one probe from src
 * to dst:dport at ts_usec. Alerts go to the context's callback with f NULL. */
struct ip_address;
void behaviour_scan_probe(struct behaviour_ctx *b, struct flow *f, uint8_t proto,
                          enum behaviour_probe kind, const struct ip_address *src,
                          const struct ip_address *dst, uint16_t dport, uint64_t ts_usec);

/* The brute-force core without a flow (unit test): one failed attempt of
 * service (a BEHAVIOUR_SID_BF_* value) from src to dst:dport at ts_usec. */
void behaviour_bruteforce_attempt(struct behaviour_ctx *b, struct flow *f, int service,
                                  const struct ip_address *src, const struct ip_address *dst,
                                  uint16_t dport, uint64_t ts_usec);
/* Is a finished SSH session a failed attempt? (exposed for the unit test):
 * both banners seen, both sides past key exchange, ended within
 * max_duration with at most max_client_bytes from the client. */
bool behaviour_ssh_is_attempt(const struct behaviour_config *c, bool kex_done,
                              uint64_t duration_usec, uint64_t client_bytes);

/* The DGA model's score of a registered domain's label (the part left of
 * the public suffix): the mean log2 probability of its letter transitions
 * under the benign character-bigram model (dga_model.h), letters in *letters.
 * Lower is less like the names people choose. */
double behaviour_dga_score(const char *label, size_t len, uint32_t *letters);
/* RITA-style beacon score in [0, 1] of n (3..16) connections (start
 * times, client bytes, any order); the median interval in seconds, and
 * 1 - MAD/median of the intervals (regularity) and of the sizes
 * (similarity). */
double behaviour_beacon_score(const uint64_t *start_usec, const uint64_t *bytes, int n,
                              double *interval_sec, double *regularity, double *similarity);
/* The beacon core without a flow (unit test): one connection. */
void behaviour_beacon_conn(struct behaviour_ctx *b, struct flow *f, uint8_t proto,
                           const struct ip_address *src, const struct ip_address *dst,
                           uint16_t dport, uint64_t ts_usec, uint64_t client_bytes);
/* Shannon entropy of s in bits per character. */
double behaviour_entropy(const char *s, size_t len);
/* The DNS core without a transaction (unit test): a question for name
 * (lower case, no trailing dot) of type qtype from client at ts_usec;
 * response: it is a response with rcode. */
void behaviour_dns_question(struct behaviour_ctx *b, struct flow *f,
                            const struct ip_address *client, const char *name, size_t len,
                            uint16_t qtype, bool response, uint8_t rcode, uint64_t ts_usec);

/* Card numbers and IBANs in text (exposed for the unit test): counts, and
 * the first of each masked (first 6 and last 4 digits of a card, country
 * and last 4 of an IBAN) in card_mask/iban_mask (BEHAVIOUR_PII_MASK_LEN
 * bytes, may be NULL). Only the first BEHAVIOUR_PII_SCAN_MAX bytes are
 * looked at: returns true when d was longer (the caller counts it). */
#define BEHAVIOUR_PII_MASK_LEN 48
#define BEHAVIOUR_PII_SCAN_MAX (256u * 1024u)
bool behaviour_scan_pii(const uint8_t *d, size_t len, uint32_t *cards, uint32_t *ibans,
                        char *card_mask, char *iban_mask);
bool behaviour_luhn_ok(const char *digits, size_t n);
/* The host profiles of store s to path (behaviour_persist.c): the number
 * saved, or -1 with the reason in err (the previous file stays whole). */
int behaviour_profiles_save(struct behaviour_store *s, const char *path, char *err,
                            size_t errlen);
/* The same in two steps, so that the disk is not touched on a packet
 * thread: the file's image (malloc'd, *size bytes, *count profiles; NULL
 * with err empty when there is no profile store, NULL with err set when
 * out of memory), taken under the store's lock; then written to path
 * (temporary name, fsync, rename): 0, or -1 with the reason in err. */
uint8_t *behaviour_profiles_snapshot(struct behaviour_store *s, size_t *size, int *count,
                                     char *err, size_t errlen);
int behaviour_profiles_write(const char *path, const uint8_t *buf, size_t size, char *err,
                             size_t errlen);
/* Loads what behaviour_profiles_save wrote: the number loaded, 0 when
 * there is no file, -1 (nothing used) when it is unreadable, of another
 * version, truncated or corrupt, with the reason in err. */
int behaviour_profiles_load(struct behaviour_store *s, const char *path, char *err,
                            size_t errlen);
bool behaviour_iban_ok(const char *s, size_t n);
/* Is a in HOME_NET (c->home)? */
bool behaviour_is_home(const struct behaviour_config *c, const struct ip_address *a);
/* The profile cores without a flow (unit test). One finished flow between an
 * internal host and an external one: out_bytes left the host (service port
 * dport, protocol proto, dns: it was DNS); host_is_client: the host opened it. */
void behaviour_profile_flow(struct behaviour_ctx *b, struct flow *f,
                            const struct ip_address *host, const struct ip_address *peer,
                            bool host_is_client, uint8_t proto, uint16_t dport, bool dns,
                            uint64_t out_bytes, uint64_t ts_usec);
/* An internal host accepted a connection (it is a server) at ts_usec. */
void behaviour_profile_served(struct behaviour_ctx *b, const struct ip_address *host,
                              uint64_t ts_usec);
/* A client fingerprint (sid BEHAVIOUR_SID_NEW_JA4 or _HASSH) of an internal
 * host, seen at ts_usec. */
void behaviour_profile_fingerprint(struct behaviour_ctx *b, struct flow *f, int sid,
                                   const struct ip_address *host, const uint8_t *fp,
                                   size_t len, uint64_t ts_usec);
/* The server certificate (DER) of an outbound TLS session, seen at ts_usec:
 * sids 4 and 5 of gid 7205. */
void behaviour_check_certificate(struct behaviour_ctx *b, struct flow *f, const uint8_t *der,
                                 size_t len, uint64_t ts_usec);

#endif
