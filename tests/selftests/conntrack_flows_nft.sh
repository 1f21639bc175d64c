#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# conntrack_flows.sh against `sfbctl load --backend nft` instead of
# nf_sfb: only new flows are judged.
# Not on the debug kernel: the module takes no part in it
SFB_BACKEND=nft exec "$(dirname "$0")/conntrack_flows.sh"
