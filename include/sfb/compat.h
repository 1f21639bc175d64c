/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few definitions the shared core (core/, with its headers here) needs,
 * so that the same source builds in the kernel and natively: kernel integer
 * types, bool, memset, negative errno values, static_assert, 64-bit bit
 * counting, sorting and binary search.
 */
#ifndef _SFB_COMPAT_H
#define _SFB_COMPAT_H

#ifdef __KERNEL__

#include <linux/bitops.h>
#include <linux/bsearch.h>
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/types.h>

#define sfb_hweight64(x)	hweight64(x)
/* Index of the lowest set bit; x must not be 0. */
#define sfb_ffs64(x)		__ffs64(x)
#define sfb_sort(base, n, size, cmp)	sort(base, n, size, cmp, NULL)

#else /* !__KERNEL__ */

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The kernel's own definitions (asm-generic/int-ll64.h), for every ABI */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
static_assert(sizeof(u16) == 2 && sizeof(u32) == 4 && sizeof(u64) == 8,
	      "unexpected integer sizes");

#define sfb_hweight64(x)	((unsigned int)__builtin_popcountll(x))
/* Index of the lowest set bit; x must not be 0. */
#define sfb_ffs64(x)		((unsigned int)__builtin_ctzll(x))
#define sfb_sort(base, n, size, cmp)	qsort(base, n, size, cmp)

#endif /* __KERNEL__ */

#endif /* _SFB_COMPAT_H */
