/* SPDX-License-Identifier: Apache-2.0 */
/* SMB1 commands (placeholder while SMB2 is brought up). */
#include "app/app_smb.h"

void smb1_record(struct smb_state *st, struct app_parse_ctx *ctx, uint8_t dir, const uint8_t *rec,
                 uint32_t avail, uint32_t full, struct smb_stream *s)
{
    (void)st; (void)ctx; (void)dir; (void)rec; (void)avail; (void)full; (void)s;
}

uint32_t smb1_stream_head(struct smb_state *st, uint8_t dir, const uint8_t *rec, uint32_t avail,
                          uint32_t full)
{
    (void)st; (void)dir; (void)rec; (void)avail; (void)full;
    return 0;
}
