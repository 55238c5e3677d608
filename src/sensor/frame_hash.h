/* SPDX-License-Identifier: Apache-2.0 */
#ifndef VIGIL_SENSOR_FRAME_HASH_H
#define VIGIL_SENSOR_FRAME_HASH_H

#include <stdint.h>

/* A direction-independent hash of a raw frame's outermost IP address pair,
 * computed without a full decode, for choosing the worker that owns the
 * frame. Address pairs (not 5-tuples) keep every fragment of a datagram and
 * every flow inside a tunnel on the same worker. Frames without IP hash to 0. */
uint32_t frame_hash(const uint8_t *data, uint32_t len, int datalink);

#endif
