/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the kernels nf_sfb builds for (Debian 12's 6.1 and
 * Debian 13's 6.12), in one place: the module is written against 6.12 and
 * includes this instead of the headers that moved. Feature tests, not
 * version numbers, so that a stable kernel with a backport still builds:
 * kernel/Kbuild makes them on the tree built against, as SFB_HAVE_*.
 */
#ifndef _NF_SFB_COMPAT_H
#define _NF_SFB_COMPAT_H

/* 6.12 moved the unaligned accessors from <asm/> to <linux/>. */
#ifdef SFB_HAVE_LINUX_UNALIGNED_H
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#endif /* _NF_SFB_COMPAT_H */
