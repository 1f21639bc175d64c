#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# enforce_catalogue.sh's sweep against `sfbctl load --backend nft` instead
# of nf_sfb: the nft backend gives every port of every role the module's
# verdict.
# Not on the debug kernel: the module takes no part in it
SFB_BACKEND=nft exec "$(dirname "$0")/enforce_catalogue.sh"
