/* SPDX-License-Identifier: Apache-2.0 */
/* EVE "frame" events in Suricata's shape:
 *   {..., "event_type": "frame", "app_proto": "mqtt",
 *    "frame": {"type": "pdu", "id": 2, "direction": "toserver",
 *              "stream_offset": 0, "length": 15, "complete": true,
 *              "payload": "<base64>", "payload_printable": "...", "tx_id": 0}}
 * stream_offset only on TCP. A frame whose length is not known yet gives
 * the bytes at hand as its length (complete false), as Suricata does with
 * the stream's usable data. */
#include "output/frame_log.h"

#include "app/app.h"
#include "app/app_iso8583.h"
#include "flow/flow.h"
#include "output/alert.h"
#include "decode/packet.h"
#include "util/json.h"

void eve_log_frame(struct eve_writer *ew, const struct packet *p, const struct flow *f,
                   const struct app_frame_info *fi)
{
    struct json_writer *w = eve_event_begin(ew, "frame", p, f, EVE_DIR_PACKET, p->ts_usec);
    json_key_string(w, "app_proto", app_proto_name(fi->app_proto));
    json_key_object_begin(w, "frame");
    json_key_string(w, "type", fi->type_name ? fi->type_name : "");
    json_key_u64(w, "id", fi->id);
    json_key_string(w, "direction", fi->direction ? "toclient" : "toserver");
    if (f && f->key.proto == 6)
        json_key_u64(w, "stream_offset", fi->offset);
    json_key_u64(w, "length", fi->len >= 0 ? (uint64_t)fi->len : fi->data_len);
    json_key_bool(w, "complete", fi->complete);
    /* card payments: card numbers masked (app_iso8583_redact_at) */
    struct app_iso8583_where wh = {.len = fi->data_len,
                                   .direction = fi->direction,
                                   .offset_known = f && f->key.proto == 6,
                                   .offset = fi->offset};
    const uint8_t *d =
        app_iso8583_redact_at(f, fi->data, fi->data_len, fi->missing ? NULL : &wh);
    if (d) {
        alert_write_base64(w, "payload", d, fi->data_len);
        alert_write_printable_gap(w, "payload_printable", d, fi->data_len, fi->missing,
                                  fi->missing_at);
    }
    if (fi->log_tx_id >= 0)
        json_key_u64(w, "tx_id", (uint64_t)fi->log_tx_id);
    json_object_end(w);
    eve_event_end(ew);
}
