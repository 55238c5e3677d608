/* SPDX-License-Identifier: Apache-2.0 */
/* A bounds-checked reader over a message held whole in memory, shared by
 * the binary parsers (app_modbus.c, app_mqtt.c, app_smb2.c): private to
 * src/app/. Every read either takes its bytes and advances, or takes
 * nothing, returns false and marks the cursor short (the message ended
 * before the field), so a parser tests one flag after a run of reads. */
#ifndef VIGIL_APP_CURSOR_H
#define VIGIL_APP_CURSOR_H

#include <stdbool.h>
#include <stdint.h>

struct app_cursor {
    const uint8_t *p;
    uint32_t left;
    bool short_read; /* a read went past the end */
};

static inline struct app_cursor app_cursor_make(const uint8_t *p, uint32_t len)
{
    return (struct app_cursor){.p = p, .left = len, .short_read = false};
}

/* The next n bytes, in place. */
static inline bool app_cur_take(struct app_cursor *c, uint32_t n, const uint8_t **d)
{
    if (c->left < n) {
        c->short_read = true;
        return false;
    }
    *d = c->p;
    c->p += n;
    c->left -= n;
    return true;
}

static inline bool app_cur_skip(struct app_cursor *c, uint32_t n)
{
    const uint8_t *d;
    return app_cur_take(c, n, &d);
}

static inline bool app_cur_u8(struct app_cursor *c, uint8_t *v)
{
    const uint8_t *d;
    if (!app_cur_take(c, 1, &d))
        return false;
    *v = d[0];
    return true;
}

static inline bool app_cur_u16be(struct app_cursor *c, uint16_t *v)
{
    const uint8_t *d;
    if (!app_cur_take(c, 2, &d))
        return false;
    *v = (uint16_t)((uint16_t)d[0] << 8 | d[1]);
    return true;
}

static inline bool app_cur_u32be(struct app_cursor *c, uint32_t *v)
{
    const uint8_t *d;
    if (!app_cur_take(c, 4, &d))
        return false;
    *v = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
    return true;
}

static inline bool app_cur_u16le(struct app_cursor *c, uint16_t *v)
{
    const uint8_t *d;
    if (!app_cur_take(c, 2, &d))
        return false;
    *v = (uint16_t)((uint16_t)d[1] << 8 | d[0]);
    return true;
}

static inline bool app_cur_u32le(struct app_cursor *c, uint32_t *v)
{
    const uint8_t *d;
    if (!app_cur_take(c, 4, &d))
        return false;
    *v = (uint32_t)d[3] << 24 | (uint32_t)d[2] << 16 | (uint32_t)d[1] << 8 | d[0];
    return true;
}

#endif
