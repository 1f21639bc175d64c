/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A bump allocator: the parse tree and the resolved configuration are each
 * freed in one call, which keeps the error paths of a parser leak-free.
 */
#ifndef SFB_ARENA_H
#define SFB_ARENA_H

#include <stddef.h>

struct sfb_arena;

struct sfb_arena *sfb_arena_new(void);
void sfb_arena_free(struct sfb_arena *a);
/*
 * sfbctl's one out-of-memory policy: say "sfb: out of memory" and exit 1.
 * Nothing is half-done by exiting: an open netlink transaction dies with
 * its socket, and an nft batch is sent whole or not at all. (Code that
 * must undo something first, xfrm's install, returns ENOMEM instead.)
 * Past a load's commit something has changed for good: then sfb_oom()
 * also prints @line, which says what (NULL: nothing again).
 */
__attribute__((noreturn)) void sfb_oom(void);
void sfb_oom_also_say(const char *line);
/* Zeroed memory; allocation failure is sfb_oom(). */
void *sfb_arena_alloc(struct sfb_arena *a, size_t size);
void *sfb_arena_array(struct sfb_arena *a, size_t n, size_t size);
char *sfb_arena_strndup(struct sfb_arena *a, const char *s, size_t len);
char *sfb_arena_strdup(struct sfb_arena *a, const char *s);
/*
 * Make room for element @n of the array @v of @size-byte elements, @cap of
 * them allocated: returns @v, or a copy twice as large (old ones are left
 * to the arena). For arrays that grow one element at a time.
 */
void *sfb_arena_grow(struct sfb_arena *a, void *v, size_t n, size_t *cap,
		     size_t size);

#endif
