/* SPDX-License-Identifier: Apache-2.0 */
/* vigil: one binary, subcommands. Each subcommand lives in its subsystem and
 * follows the same contract: it parses its own options, returns 0 on success,
 * 1 on a runtime failure and 2 on a usage error (bad option or argument). */
#include <stdio.h>
#include <string.h>

#include "sensor/sensor.h"
#include "detect/rules_cli.h"
#include "hub/hub.h"

static void print_usage(FILE *out)
{
    fputs("usage: vigil <command> [options]\n"
          "\n"
          "Commands:\n"
          "  run      run the sensor on capture files or a live interface\n"
          "  rules    check rule files (vigil rules check FILE...)\n"
          "  hub      run the sharing hub, or administer it (vigil hub admin ...)\n"
          "\n"
          "Run 'vigil <command> --help' for the options of a command.\n"
          "Suricata's options without a command (vigil -c suricata.yaml -i eth0,\n"
          "vigil --build-info, vigil -T ...) are those of 'vigil run'.\n",
          out);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        print_usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("vigil %s (Suricata %s compatible)\n", VIGIL_VERSION, VIGIL_SURICATA_COMPAT);
        return 0;
    }
    /* Suricata's command line without a command (`vigil -c suricata.yaml -i
     * eth0`, `vigil --build-info`, `vigil -V`): the sensor, so tools and
     * service files written for the suricata binary run vigil unchanged. */
    if (cmd[0] == '-' && cmd[1])
        return sensor_main(argc, argv);
    if (strcmp(cmd, "run") == 0)
        return sensor_main(argc - 1, argv + 1);
    if (strcmp(cmd, "rules") == 0)
        return rules_cli_main(argc - 1, argv + 1);
    if (strcmp(cmd, "hub") == 0)
        return hub_main(argc - 1, argv + 1);
    fprintf(stderr, "vigil: unknown command '%s' (try 'vigil --help')\n", cmd);
    return 2;
}
