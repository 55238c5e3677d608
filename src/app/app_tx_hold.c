/* SPDX-License-Identifier: Apache-2.0 */
/* Transaction lifetime between the application layer and detection. */
#include <stdbool.h>

#include "app/app_parser.h"

/* Written once before worker threads start, read-only afterwards. */
#include <stdatomic.h>

static bool detection_active;
static bool inspection_active;
/* Hashes the inspectors need of files (APP_INSPECT_*), changed by the
 * indicator feed as sets come and go (it sets them before a set that needs
 * them becomes visible); read when a file opens. None until then: the
 * behavioural detectors inspect transactions too, and hashing every file
 * three ways for no reader was a quarter of the no-rules run's CPU. */
static _Atomic unsigned inspection_hashes = 0;

void app_layer_set_detection_active(bool active)
{
    detection_active = active;
}

void app_layer_set_inspection_active(bool active)
{
    inspection_active = active;
}

bool app_layer_inspection_active(void)
{
    return inspection_active;
}

void app_layer_set_inspection_hashes(unsigned mask)
{
    atomic_store_explicit(&inspection_hashes, mask, memory_order_relaxed);
}

unsigned app_layer_inspection_hashes(void)
{
    return inspection_active ? atomic_load_explicit(&inspection_hashes, memory_order_relaxed) : 0;
}

void app_tx_set_detect_done(struct app_tx *tx, uint8_t direction)
{
    tx->detect_done |= (uint8_t)(direction ? 2 : 1);
}

bool app_tx_can_free(const struct app_tx *tx)
{
    return tx->logged && (!detection_active || (tx->detect_done & 3) == 3) &&
           (!inspection_active || (tx->inspect_done & 3) == 3);
}
