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
          "Run 'vigil <command> --help' for the options of a command.\n",
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
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("vigil %s\n", VIGIL_VERSION);
        return 0;
    }
    if (strcmp(cmd, "run") == 0)
        return sensor_main(argc - 1, argv + 1);
    if (strcmp(cmd, "rules") == 0)
        return rules_cli_main(argc - 1, argv + 1);
    if (strcmp(cmd, "hub") == 0)
        return hub_main(argc - 1, argv + 1);
    fprintf(stderr, "vigil: unknown command '%s' (try 'vigil --help')\n", cmd);
    return 2;
}
