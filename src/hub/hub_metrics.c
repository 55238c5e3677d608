/* SPDX-License-Identifier: Apache-2.0 */
#include "hub/hub_metrics.h"

const int64_t hub_metrics_bucket_us[HUB_METRICS_BUCKETS - 1] = {
    500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000, 5000000};

void hub_metrics_request(struct hub_metrics *m, int route, int status, int64_t elapsed_us)
{
    if (route < 0 || route > HUB_METRICS_ROUTES)
        route = HUB_METRICS_ROUTES;
    struct hub_route_metrics *r = &m->routes[route];
    int cls = status / 100;
    hub_count(&r->by_class[cls >= 1 && cls <= 5 ? cls : 0], 1);
    int b = 0;
    while (b < HUB_METRICS_BUCKETS - 1 && elapsed_us > hub_metrics_bucket_us[b])
        b++;
    hub_count(&r->buckets[b], 1);
    hub_count(&r->latency_sum_us, (uint64_t)(elapsed_us > 0 ? elapsed_us : 0));
}
