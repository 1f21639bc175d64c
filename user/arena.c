// SPDX-License-Identifier: GPL-2.0
/*
 * A bump allocator over a list of blocks; large requests get their own.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "sfbctl.h"

#define BLOCK_SIZE 16384
#define ALIGN 16

struct block {
	struct block *next;
	size_t used, size;

	unsigned char _Alignas(ALIGN) data[];
};

struct sfb_arena {
	struct block *head;
};

static void *xcalloc(size_t size)
{
	void *p = calloc(1, size);

	if (!p)
		sfb_oom();
	return p;
}

struct sfb_arena *sfb_arena_new(void)
{
	return xcalloc(sizeof(struct sfb_arena));
}

void sfb_arena_free(struct sfb_arena *a)
{
	if (!a)
		return;
	while (a->head) {
		struct block *next = a->head->next;

		free(a->head);
		a->head = next;
	}
	free(a);
}

void *sfb_arena_alloc(struct sfb_arena *a, size_t size)
{
	struct block *b = a->head;
	void *p;

	size = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (!size)
		size = ALIGN;
	if (!b || b->size - b->used < size) {
		size_t bsize = size > BLOCK_SIZE ? size : BLOCK_SIZE;

		b = xcalloc(sizeof(*b) + bsize);
		b->size = bsize;
		/* Keep a partly used block in front only if the new one is full. */
		if (a->head && size > BLOCK_SIZE) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
	p = b->data + b->used;
	b->used += size;
	return p;
}

void *sfb_arena_array(struct sfb_arena *a, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		sfb_oom();
	return sfb_arena_alloc(a, n * size);
}

char *sfb_arena_strndup(struct sfb_arena *a, const char *s, size_t len)
{
	char *p = sfb_arena_alloc(a, len + 1);

	memcpy(p, s, len);
	return p;
}

char *sfb_arena_strdup(struct sfb_arena *a, const char *s)
{
	return sfb_arena_strndup(a, s, strlen(s));
}

void *sfb_arena_grow(struct sfb_arena *a, void *v, size_t n, size_t *cap,
		     size_t size)
{
	void *bigger;

	if (n < *cap)
		return v;
	*cap = *cap ? 2 * *cap : 16;
	bigger = sfb_arena_array(a, *cap, size);
	if (n)
		memcpy(bigger, v, n * size);
	return bigger;
}

static const char *oom_line;

void sfb_oom_also_say(const char *line)
{
	oom_line = line;
}

void sfb_oom(void)
{
	fputs("sfb: out of memory\n", stderr);
	if (oom_line)
		fputs(oom_line, stderr);
	exit(SFBCTL_EXIT_ERROR);
}
