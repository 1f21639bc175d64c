#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# marks.sh against `sfbctl load --backend nft` instead of
# nf_sfb: every probe carries the marks the module announces for it.
# Not on the debug kernel: the module's part in it is marks.sh's
SFB_BACKEND=nft exec "$(dirname "$0")/marks.sh"
