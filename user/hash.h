/* SPDX-License-Identifier: GPL-2.0 */
/* FNV-1a, for sfbctl's hash tables: small keys, no adversary to resist. */
#ifndef SFB_HASH_H
#define SFB_HASH_H

#include <stddef.h>
#include <stdint.h>

#define SFB_HASH_INIT 2166136261u

static inline uint32_t sfb_hash(uint32_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

#endif
