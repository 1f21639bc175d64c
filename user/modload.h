/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sfbctl load brings nf_sfb in when it is not loaded, as iptables and nft
 * bring in theirs: through libkmod, with what it depends on (nf_conntrack,
 * the defrag modules) from modules.dep, modprobe.d's options, install
 * commands and blacklist applying as for an alias the kernel asks for.
 */
#ifndef SFBCTL_MODLOAD_H
#define SFBCTL_MODLOAD_H

#include <stdbool.h>

#define SFB_MODULE_NAME "nf_sfb"

/*
 * Load nf_sfb for the running kernel. Returns SFBCTL_EXIT_OK, or
 * SFBCTL_EXIT_NO_MODULE with one line on stderr saying what failed.
 */
int sfb_modload(void);

/*
 * Whether module @name is in the running kernel (loaded or built in); true
 * if that cannot be told. Asks without loading anything.
 */
bool sfb_module_present(const char *name);

#endif
