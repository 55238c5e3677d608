/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness: the QUIC parser (UDP 443). Flag bit 1 clear: each chunk
 * is the plaintext (frames) of an Initial packet that the harness protects
 * with the RFC 9001 A.1 client / server keys (DCID 8394c8f03e515708,
 * packet number = chunk index), so frames, CRYPTO reassembly and the TLS
 * hello parser are fuzzed behind the decryption; set: chunks are raw
 * datagrams (headers, gQUIC, coalesced packets). Input format and checks in
 * fuzz_app_common.h. */
#include <openssl/evp.h>

#include "fuzz_app_common.h"

static const uint8_t fz_dcid[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};
static const uint8_t fz_key[2][16] = {
    {0x1f, 0x36, 0x96, 0x13, 0xdd, 0x76, 0xd5, 0x46, 0x77, 0x30, 0xef, 0xcb, 0xe3, 0xb1, 0xa2, 0x2d},
    {0xcf, 0x3a, 0x53, 0x31, 0x65, 0x3c, 0x36, 0x4c, 0x88, 0xf0, 0xf3, 0x79, 0xb6, 0x06, 0x7e, 0x37}};
static const uint8_t fz_iv[2][12] = {
    {0xfa, 0x04, 0x4b, 0x2f, 0x42, 0xa3, 0xfd, 0x3b, 0x46, 0xfb, 0x25, 0x5c},
    {0x0a, 0xc1, 0x49, 0x3c, 0xa1, 0x90, 0x58, 0x53, 0xb0, 0xbb, 0xa0, 0x3e}};
static const uint8_t fz_hp[2][16] = {
    {0x9f, 0x50, 0x44, 0x9e, 0x04, 0xa0, 0xe8, 0x10, 0x28, 0x3a, 0x1e, 0x99, 0x33, 0xad, 0xed, 0xd2},
    {0xc2, 0x06, 0xb8, 0xd9, 0xb9, 0xf0, 0xf3, 0x76, 0x44, 0x43, 0x0b, 0x49, 0x0e, 0xea, 0xa3, 0x14}};

static uint32_t fz_protect(uint8_t dir, uint32_t index, const uint8_t *in, uint32_t n,
                           uint8_t *out, uint32_t cap)
{
    uint8_t pl[256];
    uint32_t pn = n < 24 ? 24 : n; /* room for the header-protection sample */
    if (n > sizeof(pl) || cap < 32 + pn + 16)
        return 0;
    memset(pl, 0, pn);
    memcpy(pl, in, n);
    uint32_t o = 0;
    out[o++] = 0xc1;
    memcpy(out + o, "\x00\x00\x00\x01", 4);
    o += 4;
    out[o++] = dir ? 0 : 8;
    if (!dir) {
        memcpy(out + o, fz_dcid, 8);
        o += 8;
    }
    out[o++] = dir ? 8 : 0;
    if (dir) {
        memset(out + o, 0x42, 8);
        o += 8;
    }
    out[o++] = 0; /* token */
    uint32_t len = 2 + pn + 16;
    out[o++] = (uint8_t)(0x40 | (len >> 8));
    out[o++] = (uint8_t)len;
    uint32_t pn_off = o;
    out[o++] = (uint8_t)(index >> 8);
    out[o++] = (uint8_t)index;
    uint8_t nonce[12];
    memcpy(nonce, fz_iv[dir], 12);
    nonce[10] ^= (uint8_t)(index >> 8);
    nonce[11] ^= (uint8_t)index;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int l = 0;
    uint8_t mask[32];
    bool ok = c && EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, fz_key[dir], nonce) == 1 &&
              EVP_EncryptUpdate(c, NULL, &l, out, (int)o) == 1 &&
              EVP_EncryptUpdate(c, out + o, &l, pl, (int)pn) == 1 &&
              EVP_EncryptFinal_ex(c, out + o + pn, &l) == 1 &&
              EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, out + o + pn) == 1 &&
              EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, fz_hp[dir], NULL) == 1 &&
              EVP_CIPHER_CTX_set_padding(c, 0) == 1 &&
              EVP_EncryptUpdate(c, mask, &l, out + pn_off + 4, 16) == 1;
    EVP_CIPHER_CTX_free(c);
    if (!ok)
        return 0;
    out[0] ^= mask[0] & 0x0f;
    out[pn_off] ^= mask[1];
    out[pn_off + 1] ^= mask[2];
    return o + pn + 16;
}

static uint32_t fz_datagram(uint8_t dir, uint32_t index, const uint8_t *in, uint32_t n,
                            uint8_t *out, uint32_t cap)
{
    return fz_protect(dir, index, in, n, out, cap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct fuzz_app_target protected = {
        .port = 443, .alt_port = 0, .allow_udp = true, .datagram = fz_datagram};
    static const struct fuzz_app_target raw = {.port = 443, .alt_port = 0, .allow_udp = true};
    /* bit 0: UDP (always for QUIC); bit 1: raw datagrams */
    if (size < 1)
        return 0;
    uint8_t copy0 = (uint8_t)(data[0] | 1);
    static uint8_t buf[1 << 16];
    if (size > sizeof(buf))
        size = sizeof(buf);
    memcpy(buf, data, size);
    buf[0] = (uint8_t)(copy0 & ~2u);
    return fuzz_app_run((data[0] & 2) ? &raw : &protected, buf, size);
}
