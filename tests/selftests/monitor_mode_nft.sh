#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# monitor_mode.sh against `sfbctl load --backend nft` instead of nf_sfb:
# the same verdicts, and the table's counters read by sfbctl stats.
# Not on the debug kernel: the module's part in it is monitor_mode.sh's
SFB_BACKEND=nft exec "$(dirname "$0")/monitor_mode.sh"
