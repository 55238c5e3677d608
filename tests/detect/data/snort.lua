-- SPDX-License-Identifier: Apache-2.0
-- A snort.lua as operators write it: modules vigil skips, and the alert
-- filters it reads (event_filter, suppress, rate_filter).
HOME_NET = '10.1.0.0/16'
EXTERNAL_NET = '!$HOME_NET'
include 'snort_defaults.lua'

stream = { }
stream_tcp = { policy = 'linux', session_timeout = 180 }
ips = { enable_builtin_rules = true, variables = default_variables,
        rules = [[ include $RULE_PATH/snort3-community.rules ]] }

--[[ a block comment with
     event_filter = { { gid = 1, sid = 99 } } that is not read ]]
event_filter =
{
    -- at most one alert a minute per source for sid 1000001
    { gid = 1, sid = 1000001, type = 'limit', track = 'by_src', count = 1, seconds = 60 },
    { sid = 1000002, type = "threshold", track = "by_dst", count = 3, seconds = 10; };
    { gid = 1, sid = 1000003, type = 'sometimes', track = 'by_src', count = 1, seconds = 1 },
    { gid = 0, sid = 0, type = 'both', track = 'by_dst', count = -1, seconds = 5 },
}

suppress =
{
    { gid = 1, sid = 1000004 },
    { gid = 1, sid = 1000005, track = 'by_dst', ip = '10.1.2.0/24 192.168.0.1' },
    { gid = 1, sid = 1000006, track = 'by_src', ip = HOME_NET },
    { gid = 1, sid = 1000007, track = 'by_src' },
}

rate_filter =
{
    { gid = 1, sid = 1000008, track = 'by_rule', count = 5, seconds = 1,
      new_action = 'drop', timeout = 10 },
}
