#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ipsec_transport.sh with `sfbctl load --backend nft` instead of nf_sfb:
# real ESP, and the xfrm bypass acting on the marks table inet sfb sets.
# Not on the debug kernel: the module takes no part in it
SFB_BACKEND=nft exec "$(dirname "$0")/ipsec_transport.sh"
