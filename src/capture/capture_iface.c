/* SPDX-License-Identifier: Apache-2.0 */
/* How large a live interface's packets can be, so that capture never cuts
 * them (a cut packet is a decoder "trunc_pkt" anomaly and a blind spot):
 * the MTU plus the link-layer header and two VLAN tags, or, when the kernel
 * merges (GRO, LRO) or builds (TSO, GSO, for this host's own traffic)
 * packets larger than the MTU, the largest such packet. The second case is
 * reported: merged packets are not what was on the wire, which is why
 * Suricata's documentation also asks to switch these offloads off. */
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "capture/capture_internal.h"

#define CAPTURE_LINK_OVERHEAD 22u /* Ethernet header + two 802.1Q tags */
#define CAPTURE_MIN_SNAPLEN 1518u
#define CAPTURE_OFFLOAD_DEFAULT_MAX 65536u /* GSO_MAX_SIZE / GRO_MAX_SIZE without BIG TCP */

static bool ethtool_flag(int sock, const char *ifname, uint32_t cmd)
{
    struct ethtool_value ev = {.cmd = cmd};
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, ifname, strnlen(ifname, IFNAMSIZ - 1));
    ifr.ifr_data = (void *)&ev;
    if (ioctl(sock, SIOCETHTOOL, &ifr) != 0)
        return false;
    return ev.data != 0;
}

static uint32_t sysfs_u32(const char *ifname, const char *attr)
{
    char path[128];
    snprintf(path, sizeof path, "/sys/class/net/%s/%s", ifname, attr);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    unsigned long v = 0;
    if (fscanf(f, "%lu", &v) != 1)
        v = 0;
    fclose(f);
    return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

uint32_t capture_interface_snaplen(const char *ifname, char *warn, size_t warnlen)
{
    if (warn && warnlen)
        warn[0] = '\0';
    if (!ifname || strlen(ifname) >= IFNAMSIZ || strcmp(ifname, "any") == 0)
        return CAPTURE_MAX_SNAPLEN;
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0)
        return CAPTURE_MAX_SNAPLEN;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, ifname, strlen(ifname));
    uint32_t mtu = 0;
    if (ioctl(sock, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu > 0)
        mtu = (uint32_t)ifr.ifr_mtu;
    if (!mtu) {
        close(sock);
        return CAPTURE_MAX_SNAPLEN; /* unknown: take everything */
    }
    bool gro = ethtool_flag(sock, ifname, ETHTOOL_GGRO);
    bool gso = ethtool_flag(sock, ifname, ETHTOOL_GGSO);
    bool tso = ethtool_flag(sock, ifname, ETHTOOL_GTSO);
    struct ethtool_value fl = {.cmd = ETHTOOL_GFLAGS};
    ifr.ifr_data = (void *)&fl;
    bool lro = ioctl(sock, SIOCETHTOOL, &ifr) == 0 && (fl.data & ETH_FLAG_LRO);
    close(sock);

    uint32_t largest = mtu;
    uint32_t offload_max = 0;
    if (gro || lro) {
        uint32_t g = sysfs_u32(ifname, "gro_max_size");
        offload_max = g ? g : CAPTURE_OFFLOAD_DEFAULT_MAX;
    }
    if (gso || tso) {
        uint32_t g = sysfs_u32(ifname, "gso_max_size");
        g = g ? g : CAPTURE_OFFLOAD_DEFAULT_MAX;
        if (g > offload_max)
            offload_max = g;
    }
    if (offload_max > largest)
        largest = offload_max;
    uint64_t snap = (uint64_t)largest + CAPTURE_LINK_OVERHEAD;
    if (snap < CAPTURE_MIN_SNAPLEN)
        snap = CAPTURE_MIN_SNAPLEN;
    bool cut = snap > CAPTURE_MAX_SNAPLEN;
    if (cut)
        snap = CAPTURE_MAX_SNAPLEN;
    if (warn && warnlen && offload_max > mtu) {
        char on[32] = "";
        snprintf(on, sizeof on, "%s%s%s%s", gro ? " GRO" : "", lro ? " LRO" : "",
                 tso ? " TSO" : "", gso ? " GSO" : "");
        if (cut)
            snprintf(warn, warnlen,
                     "interface %s: offloads on (%s): the kernel builds packets of up to %u "
                     "bytes, more than can be captured (%u): larger ones are cut; switch them "
                     "off: ethtool -K %s gro off lro off tso off gso off",
                     ifname, on + 1, offload_max, CAPTURE_MAX_SNAPLEN, ifname);
        else
            snprintf(warn, warnlen,
                     "interface %s: offloads on (%s): packets of up to %u bytes instead of the "
                     "MTU's %u, so frames are sized for %u bytes; merged packets are not what "
                     "was on the wire (switch them off: ethtool -K %s gro off lro off tso off "
                     "gso off)",
                     ifname, on + 1, offload_max, mtu, (unsigned)snap, ifname);
    }
    return (uint32_t)snap;
}
