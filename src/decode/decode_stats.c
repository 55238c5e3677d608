/* SPDX-License-Identifier: Apache-2.0 */
/* Decoder and defrag statistics: summing workers and writing them in the
 * shape of Suricata's stats.json ("decoder" and "defrag" objects). */
#include <string.h>

#include "decode/decode.h"
#include "util/json.h"

void decode_stats_add(struct decode_stats *dst, const struct decode_stats *src)
{
    /* Every member is a uint64_t counter; peaks and maxima take the max. */
    uint64_t *d = (uint64_t *)dst;
    const uint64_t *s = (const uint64_t *)src;
    _Static_assert(sizeof(struct decode_stats) % sizeof(uint64_t) == 0,
                   "decode_stats must hold only uint64_t members");
    size_t n = sizeof(struct decode_stats) / sizeof(uint64_t);
    size_t max_idx[] = {
        offsetof(struct decode_stats, max_pkt_size) / sizeof(uint64_t),
        offsetof(struct decode_stats, frag_memuse_peak) / sizeof(uint64_t),
        offsetof(struct decode_stats, frag_trackers_peak) / sizeof(uint64_t),
    };
    for (size_t i = 0; i < n; i++) {
        bool is_max = false;
        for (size_t k = 0; k < sizeof(max_idx) / sizeof(max_idx[0]); k++)
            is_max |= max_idx[k] == i;
        if (is_max)
            d[i] = s[i] > d[i] ? s[i] : d[i];
        else
            d[i] += s[i];
    }
}

/* Writes "event": {"ipv4": {"trunc_pkt": N, ...}, ...}: events grouped by
 * the part of their name before the first dot, groups in order of first
 * appearance; names without a dot ("too_many_layers") are direct members. */
static void decode_stats_write_events(const struct decode_stats *s, struct json_writer *w)
{
    json_key_object_begin(w, "event");
    bool done[DECODE_EVENT_MAX] = {false};
    for (int i = 0; i < DECODE_EVENT_MAX; i++) {
        if (done[i])
            continue;
        const char *name = decode_event_name((enum decode_event)i);
        const char *dot = strchr(name, '.');
        if (dot == NULL) {
            json_key_u64(w, name, s->events[i]);
            done[i] = true;
            continue;
        }
        size_t plen = (size_t)(dot - name);
        char group[32];
        if (plen >= sizeof(group))
            plen = sizeof(group) - 1;
        memcpy(group, name, plen);
        group[plen] = '\0';
        json_key_object_begin(w, group);
        for (int j = i; j < DECODE_EVENT_MAX; j++) {
            const char *nj = decode_event_name((enum decode_event)j);
            if (done[j] || strncmp(nj, name, plen + 1) != 0)
                continue;
            json_key_u64(w, nj + plen + 1, s->events[j]);
            done[j] = true;
        }
        json_object_end(w);
    }
    json_object_end(w);
}

void decode_stats_write_json(const struct decode_stats *s, struct json_writer *w)
{
    json_key_object_begin(w, "decoder");
    json_key_u64(w, "pkts", s->pkts);
    json_key_u64(w, "bytes", s->bytes);
    json_key_u64(w, "invalid", s->invalid);
    json_key_u64(w, "ipv4", s->ipv4);
    json_key_u64(w, "ipv6", s->ipv6);
    json_key_u64(w, "ethernet", s->ethernet);
    json_key_u64(w, "arp", s->arp);
    json_key_u64(w, "unknown_ethertype", s->unknown_ethertype);
    json_key_u64(w, "raw", s->raw);
    json_key_u64(w, "null", s->null);
    json_key_u64(w, "sll", s->sll);
    json_key_u64(w, "sll2", s->sll2);
    json_key_u64(w, "tcp", s->tcp);
    json_key_u64(w, "udp", s->udp);
    json_key_u64(w, "sctp", s->sctp);
    json_key_u64(w, "icmpv4", s->icmpv4);
    json_key_u64(w, "icmpv6", s->icmpv6);
    json_key_u64(w, "other_ip", s->other_ip);
    json_key_u64(w, "pppoe", s->pppoe);
    json_key_u64(w, "ppp", s->ppp);
    json_key_u64(w, "chdlc", s->chdlc);
    json_key_u64(w, "gre", s->gre);
    json_key_u64(w, "geneve", s->geneve);
    json_key_u64(w, "vxlan", s->vxlan);
    json_key_u64(w, "teredo", s->teredo);
    json_key_u64(w, "erspan", s->erspan);
    json_key_u64(w, "vlan", s->vlan);
    json_key_u64(w, "vlan_qinq", s->vlan_qinq);
    json_key_u64(w, "vlan_qinqinq", s->vlan_qinqinq);
    json_key_u64(w, "mpls", s->mpls);
    json_key_u64(w, "ipv4_in_ipv4", s->ipv4_in_ipv4);
    json_key_u64(w, "ipv6_in_ipv4", s->ipv6_in_ipv4);
    json_key_u64(w, "ipv4_in_ipv6", s->ipv4_in_ipv6);
    json_key_u64(w, "ipv6_in_ipv6", s->ipv6_in_ipv6);
    json_key_u64(w, "avg_pkt_size", s->pkts ? s->avg_pkt_size_sum / s->pkts : 0);
    json_key_u64(w, "max_pkt_size", s->max_pkt_size);
    json_key_u64(w, "too_many_layers", s->too_many_layers);
    decode_stats_write_events(s, w);
    json_object_end(w);

    json_key_object_begin(w, "defrag");
    json_key_object_begin(w, "ipv4");
    json_key_u64(w, "fragments", s->frag_ipv4_fragments);
    json_key_u64(w, "reassembled", s->frag_ipv4_reassembled);
    json_object_end(w);
    json_key_object_begin(w, "ipv6");
    json_key_u64(w, "fragments", s->frag_ipv6_fragments);
    json_key_u64(w, "reassembled", s->frag_ipv6_reassembled);
    json_object_end(w);
    json_key_u64(w, "max_trackers_reached", s->frag_tracker_drops);
    json_key_u64(w, "max_frags_reached", s->frag_max_frags_drops);
    json_key_u64(w, "memcap_exception", s->frag_memcap_drops);
    json_key_u64(w, "timeouts", s->frag_timeouts);
    json_key_u64(w, "overlaps", s->frag_overlaps);
    json_key_u64(w, "overlaps_differ", s->frag_overlaps_differ);
    json_key_u64(w, "too_large", s->frag_too_large);
    json_key_u64(w, "trackers", s->frag_trackers_active);
    json_key_u64(w, "trackers_peak", s->frag_trackers_peak);
    json_key_u64(w, "memuse", s->frag_memuse);
    json_key_u64(w, "memuse_peak", s->frag_memuse_peak);
    json_object_end(w);
}
