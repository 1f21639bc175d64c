/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kcov for the selftest tools: the PCs the calling thread runs in code
 * built with KCOV_INSTRUMENT (on the debug kernel, nf_sfb alone), and the
 * distinct PCs and edges (pairs of consecutive PCs) reached so far.
 *
 *	if (kcov_open()) { kcov_start(); syscalls...; new = kcov_collect(); }
 *
 * Without /sys/kernel/debug/kcov, kcov_open() returns false and nothing
 * else may be called.
 */
#ifndef SFB_KCOV_H
#define SFB_KCOV_H

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <linux/kcov.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#define KCOV_WORDS	(1u << 20)	/* a huge load runs ~10^5 PCs */
#define KCOV_PC_SLOTS	(1u << 16)	/* nf_sfb has a few thousand blocks */
#define KCOV_EDGE_SLOTS	(1u << 18)

static struct {
	unsigned long *area;	/* area[0]: PCs recorded, then the PCs */
	uint64_t *pcs, *edges;	/* open addressing, 0 for a free slot */
	uint32_t npcs, nedges;
	unsigned long ran;	/* PCs the last kcov_collect() found */
	bool full;		/* a set or the trace overflowed: counts low */
} kcov;

static inline bool kcov_open(void)
{
	int fd = open("/sys/kernel/debug/kcov", O_RDWR | O_CLOEXEC);
	void *area;

	if (fd < 0)
		return false;
	if (ioctl(fd, KCOV_INIT_TRACE, (unsigned long)KCOV_WORDS))
		goto fail;
	area = mmap(NULL, KCOV_WORDS * sizeof(unsigned long),
		    PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (area == MAP_FAILED)
		goto fail;
	/* for this thread, until it exits; children start without */
	if (ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC)) {
		munmap(area, KCOV_WORDS * sizeof(unsigned long));
		goto fail;
	}
	kcov.area = area;
	kcov.pcs = calloc(KCOV_PC_SLOTS, sizeof(*kcov.pcs));
	kcov.edges = calloc(KCOV_EDGE_SLOTS, sizeof(*kcov.edges));
	return kcov.pcs && kcov.edges;
fail:
	close(fd);
	return false;
}

/* Forget what the thread ran so far. */
static inline void kcov_start(void)
{
	__atomic_store_n(&kcov.area[0], 0, __ATOMIC_RELAXED);
}

/* Add @key (not 0) to @set of @slots; true if it was not there. */
static inline bool kcov_insert(uint64_t *set, uint32_t slots, uint32_t *n,
			       uint64_t key)
{
	uint32_t i = (key * 0x9e3779b97f4a7c15ULL) >> 32;

	for (;; i++) {
		i &= slots - 1;
		if (set[i] == key)
			return false;
		if (!set[i])
			break;
	}
	if (*n >= slots / 4 * 3) {
		kcov.full = true;
		return false;
	}
	set[i] = key;
	(*n)++;
	return true;
}

/* Add what ran since kcov_start(); returns the edges new to the run. */
static inline unsigned int kcov_collect(void)
{
	unsigned long n = __atomic_load_n(&kcov.area[0], __ATOMIC_RELAXED);
	uint64_t prev = 0, pc, edge;
	unsigned int fresh = 0;
	unsigned long i;

	if (n >= KCOV_WORDS - 1) {
		n = KCOV_WORDS - 1;
		kcov.full = true;
	}
	kcov.ran = n;
	for (i = 1; i <= n; i++) {
		pc = kcov.area[i];
		/* a block repeating itself adds nothing worth the lookups */
		if (pc == prev)
			continue;
		edge = (prev * 0xff51afd7ed558ccdULL) ^ pc;
		if (kcov_insert(kcov.edges, KCOV_EDGE_SLOTS, &kcov.nedges,
				edge ?: 1)) {
			fresh++;
			kcov_insert(kcov.pcs, KCOV_PC_SLOTS, &kcov.npcs, pc);
		}
		prev = pc;
	}
	return fresh;
}

#endif
