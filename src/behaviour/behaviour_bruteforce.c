/* SPDX-License-Identifier: Apache-2.0 */
/* Brute force / credential guessing (gid 7201): failed login attempts are
 * counted per (source, server, service) in the shared tracker store of the
 * scan detector (same memcap, same LRU reuse). A tracker whose count reaches
 * the service's threshold within behaviour.bruteforce.window raises one
 * alert, and a source raises at most one alert per service per window
 * (however many servers it tries). What is an attempt:
 *   - SSH (7201:1): a session in which both sides passed key exchange
 *     (NEWKEYS) and that ended within max-duration with at most
 *     max-client-bytes from the client: password guessers open one short
 *     session per guess (or per few guesses), interactive and file-transfer
 *     sessions last longer or carry more;
 *   - HTTP (7201:2): a response with status 401 or 403;
 *   - FTP (7201:3): a PASS command answered 530 (not logged in) or 430
 *     (invalid user name or password).
 * See docs/behaviour.md. */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/app_buffer.h"
#include "app/app_ftp.h"
#include "app/app_smtp.h"
#include "app/app_ssh.h"
#include "behaviour/behaviour_internal.h"
#include "flow/flow.h"

/* behaviour_flags of a flow: each SSH side passed NEWKEYS. */
#define BF_FLOW_SSH_KEX_CLIENT 0x01u
#define BF_FLOW_SSH_KEX_SERVER 0x02u

static const char *const bf_sig[BEHAVIOUR_BF_SERVICES] = {
    [BEHAVIOUR_SID_BF_SSH] = "VIGIL BRUTEFORCE SSH many short sessions after key exchange "
                             "(password guessing)",
    [BEHAVIOUR_SID_BF_HTTP] = "VIGIL BRUTEFORCE HTTP burst of 401/403 responses "
                              "(credential guessing)",
    [BEHAVIOUR_SID_BF_FTP] = "VIGIL BRUTEFORCE FTP repeated failed logins (530/430 to PASS)",
    [BEHAVIOUR_SID_BF_SMTP] = "VIGIL BRUTEFORCE SMTP repeated failed AUTH (535)",
};
static const char *const bf_service[BEHAVIOUR_BF_SERVICES] = {
    [BEHAVIOUR_SID_BF_SSH] = "ssh",
    [BEHAVIOUR_SID_BF_HTTP] = "http",
    [BEHAVIOUR_SID_BF_FTP] = "ftp",
    [BEHAVIOUR_SID_BF_SMTP] = "smtp",
};

bool behaviour_wants_tx(const struct behaviour_config *c)
{
    return c->enabled &&
           ((c->bruteforce.enabled &&
             (c->bruteforce.ssh || c->bruteforce.http || c->bruteforce.ftp ||
              c->bruteforce.smtp)) ||
            c->dns.enabled ||
            (c->exfil.enabled && (c->exfil.card_numbers || c->exfil.ibans)) ||
            c->sip.enabled || c->iso8583.enabled ||
            (c->rare.enabled && (c->rare.fingerprints || c->rare.certificates || c->rare.server)));
}

bool behaviour_ssh_is_attempt(const struct behaviour_config *c, bool kex_done,
                              uint64_t duration_usec, uint64_t client_bytes)
{
    return kex_done &&
           duration_usec <= (uint64_t)c->bruteforce.ssh_max_duration_sec * 1000000ull &&
           client_bytes <= c->bruteforce.ssh_max_client_bytes;
}

static uint32_t bf_threshold(const struct behaviour_config *c, int service)
{
    switch (service) {
    case BEHAVIOUR_SID_BF_SSH:
        return c->bruteforce.ssh_attempts;
    case BEHAVIOUR_SID_BF_HTTP:
        return c->bruteforce.http_failures;
    case BEHAVIOUR_SID_BF_SMTP:
        return c->bruteforce.smtp_failures;
    default:
        return c->bruteforce.ftp_failures;
    }
}

void behaviour_bruteforce_attempt(struct behaviour_ctx *c, struct flow *f, int service,
                                  const struct ip_address *src, const struct ip_address *dst,
                                  uint16_t dport, uint64_t ts)
{
    if (!c || !c->store || !c->cfg.bruteforce.enabled || service <= 0 || service >= BEHAVIOUR_BF_SERVICES ||
        behaviour_addr_is_group(dst))
        return;
    c->stats.bf_attempts[service]++;
    struct behaviour_store *b = c->store;
    uint64_t win = b->bf_window_usec;
    uint32_t threshold = bf_threshold(&c->cfg, service);
    struct scan_key k;
    memset(&k, 0, sizeof k);
    k.type = SCAN_T_BRUTE;
    k.proto = (uint8_t)service;
    k.port = dport;
    k.src = *src;
    k.other = *dst;
    bool raise = false;
    uint32_t count = 0;

    pthread_mutex_lock(&b->lock);
    struct scan_tracker *t = behaviour_tracker_get(b, &k, ts);
    if (t) {
        /* The window starts with the first attempt; a new one once it is over. */
        if (t->first_usec == 0 || ts >= t->first_usec + win) {
            t->first_usec = ts ? ts : 1;
            t->distinct = 0;
            t->alerted = false;
        }
        if (ts > t->last_usec)
            t->last_usec = ts;
        t->distinct++;
        if (!t->alerted && t->distinct >= threshold) {
            t->alerted = true;
            count = t->distinct;
            /* One alert per (source, service) per window, whichever server. */
            struct scan_key sk;
            memset(&sk, 0, sizeof sk);
            sk.type = SCAN_T_SOURCE;
            sk.src = *src;
            struct scan_tracker *s = behaviour_tracker_get(b, &sk, ts);
            int kind = SCAN_K_BF_FIRST + service;
            if (s && s->alert_usec[kind] && ts < s->alert_usec[kind] + win &&
                ts + win > s->alert_usec[kind]) {
                c->stats.bf_suppressed++;
            } else if (s) {
                s->alert_usec[kind] = ts ? ts : 1;
                if (ts > s->last_usec)
                    s->last_usec = ts;
                if (!s->first_usec)
                    s->first_usec = s->last_usec;
                raise = true;
            }
        }
    }
    pthread_mutex_unlock(&b->lock);
    if (!raise)
        return;

    c->stats.bf_alerts++;
    snprintf(c->meta_count, sizeof c->meta_count, "%u", count);
    snprintf(c->meta_window, sizeof c->meta_window, "%u", c->cfg.bruteforce.window_sec);
    snprintf(c->meta_service, sizeof c->meta_service, "%u", dport);
    const char *meta[] = {"bruteforce_service", bf_service[service],
                          "bruteforce_attempts", c->meta_count,
                          "bruteforce_window_sec", c->meta_window,
                          "bruteforce_port", c->meta_service,
                          NULL};
    struct builtin_alert a = {
        .gid = BEHAVIOUR_GID_BRUTEFORCE,
        .sid = (uint32_t)service,
        .rev = 1,
        .signature = bf_sig[service],
        .category = "Attempted User Privilege Gain", /* classtype attempted-user */
        .severity = 1,
        .direction = 0,
        .metadata = meta,
    };
    if (c->alert)
        c->alert(c->alert_user, f, &a);
}

void behaviour_tx(struct behaviour_ctx *b, struct flow *f, uint64_t ts_usec,
                  const struct app_tx *tx, uint8_t direction)
{
    if (!b || !f || !b->store)
        return;
    behaviour_content_tx(b, f, ts_usec ? ts_usec : f->last_usec, tx, direction);
    uint16_t proto = app_tx_proto(tx);
    if (proto == APP_PROTO_SIP || proto == APP_PROTO_ISO8583) {
        behaviour_fraud_tx(b, f, ts_usec ? ts_usec : f->last_usec, tx, direction);
        return;
    }
    if (proto == APP_PROTO_DNS) {
        behaviour_dns_tx(b, f, ts_usec ? ts_usec : f->last_usec, tx);
        return;
    }
    if (!b->cfg.bruteforce.enabled)
        return;
    if (proto == APP_PROTO_SSH && b->cfg.bruteforce.ssh) {
        /* Noted on the flow; judged when the flow ends (its length and the
         * client's bytes are known then). */
        if (app_ssh_tx_side_encrypted(tx, direction & 1))
            f->behaviour_flags |= (direction & 1) ? BF_FLOW_SSH_KEX_SERVER : BF_FLOW_SSH_KEX_CLIENT;
        return;
    }
    /* HTTP/2: each stream is a transaction, so guesses multiplexed on one
     * connection count one by one. */
    if ((proto == APP_PROTO_HTTP || proto == APP_PROTO_HTTP2) && b->cfg.bruteforce.http &&
        direction == 1) {
        const uint8_t *d;
        uint32_t len;
        if (app_tx_get_buffer(tx, APP_BUFFER_HTTP_STAT_CODE, 0, &d, &len) != 0 || len != 3)
            return;
        if (memcmp(d, "401", 3) != 0 && memcmp(d, "403", 3) != 0)
            return;
        behaviour_bruteforce_attempt(b, f, BEHAVIOUR_SID_BF_HTTP, &f->key.src, &f->key.dst,
                                     f->key.dst_port, ts_usec ? ts_usec : f->last_usec);
        return;
    }
    if (proto == APP_PROTO_FTP && b->cfg.bruteforce.ftp && direction == 1) {
        const char *cmd;
        int code = app_ftp_tx_final_code(tx, &cmd);
        if ((code == 530 || code == 430) && cmd && strcmp(cmd, "PASS") == 0)
            behaviour_bruteforce_attempt(b, f, BEHAVIOUR_SID_BF_FTP, &f->key.src, &f->key.dst,
                                         f->key.dst_port, ts_usec ? ts_usec : f->last_usec);
        return;
    }
    if (proto == APP_PROTO_SMTP && b->cfg.bruteforce.smtp && direction == 1) {
        /* An SMTP transaction ends with its mail or the session, so the
         * failures of the AUTH exchanges it saw are counted then: a
         * guesser's sessions are short. At most the threshold's worth
         * per transaction: one session cannot flood the tracker. */
        uint32_t n = app_smtp_tx_auth_failures(tx);
        uint32_t cap = b->cfg.bruteforce.smtp_failures;
        for (uint32_t i = 0; i < n && i < cap; i++)
            behaviour_bruteforce_attempt(b, f, BEHAVIOUR_SID_BF_SMTP, &f->key.src, &f->key.dst,
                                         f->key.dst_port, ts_usec ? ts_usec : f->last_usec);
    }
}

/* From behaviour_flow_end: a finished flow's SSH verdict. */
void behaviour_bruteforce_flow_end(struct behaviour_ctx *b, struct flow *f)
{
    if (!b->cfg.bruteforce.enabled || !b->cfg.bruteforce.ssh || f->key.proto != 6)
        return;
    const uint8_t both = BF_FLOW_SSH_KEX_CLIENT | BF_FLOW_SSH_KEX_SERVER;
    if ((f->behaviour_flags & both) != both)
        return;
    uint64_t dur = f->last_usec > f->start_usec ? f->last_usec - f->start_usec : 0;
    if (!behaviour_ssh_is_attempt(&b->cfg, true, dur, f->bytes_toserver))
        return;
    behaviour_bruteforce_attempt(b, f, BEHAVIOUR_SID_BF_SSH, &f->key.src, &f->key.dst,
                                 f->key.dst_port, f->start_usec);
}
