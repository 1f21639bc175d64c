// SPDX-License-Identifier: GPL-2.0
/*
 * failalloc.so: an LD_PRELOAD shim that makes one heap allocation fail,
 * the userspace counterpart of the kernel's fail-nth (tests/unit/
 * failalloc_test.sh runs it on sfbctl).
 *
 *   FAILALLOC_NTH=N     the Nth allocation (1-based) returns NULL with
 *                       errno ENOMEM; every other one succeeds
 *   FAILALLOC_COUNT=F   at exit, write the number of allocations made to F
 *
 * An allocation is a call of malloc, calloc, realloc to a non-zero size,
 * reallocarray, posix_memalign, aligned_alloc, memalign, valloc or
 * pvalloc. glibc's own strdup, fopen, asprintf, getline... and the
 * libraries' (libmnl, libnftnl, jansson, libkmod) call these through the
 * symbol table, so they count too. The real allocator is glibc's, by its
 * exported __libc_* names: dlsym(RTLD_NEXT) would itself allocate. free()
 * is glibc's own.
 *
 * Built without sanitizers (build/vg): ASan brings its own malloc.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *__libc_malloc(size_t size);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t size);
void *__libc_memalign(size_t align, size_t size);

static unsigned long calls;
static unsigned long nth;

__attribute__((constructor)) static void failalloc_init(void)
{
	const char *s = getenv("FAILALLOC_NTH");

	if (s)
		nth = strtoul(s, NULL, 10);
}

__attribute__((destructor)) static void failalloc_report(void)
{
	const char *path = getenv("FAILALLOC_COUNT");
	char buf[32];
	int fd, len;

	if (!path)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return;
	len = snprintf(buf, sizeof(buf), "%lu\n", calls);
	if (write(fd, buf, len) != len)
		_exit(125);	/* a count the test cannot trust */
	close(fd);
}

/* Is this allocation the one to fail? Counts it either way. */
static int fail_now(void)
{
	if (++calls != nth)
		return 0;
	errno = ENOMEM;
	return 1;
}

void *malloc(size_t size)
{
	return fail_now() ? NULL : __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
	if (p && !size)		/* a free, not an allocation */
		return __libc_realloc(p, size);
	return fail_now() ? NULL : __libc_realloc(p, size);
}

void *reallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, n * size);
}

void *memalign(size_t align, size_t size)
{
	return fail_now() ? NULL : __libc_memalign(align, size);
}

void *aligned_alloc(size_t align, size_t size)
{
	return memalign(align, size);
}

int posix_memalign(void **p, size_t align, size_t size)
{
	void *m = NULL;

	if (align && !(align & (align - 1)) && !(align % sizeof(void *)))
		m = memalign(align, size);	/* ENOMEM if it fails */
	else
		errno = EINVAL;
	if (m)
		*p = m;
	return m ? 0 : errno;
}

void *valloc(size_t size)
{
	return memalign(sysconf(_SC_PAGESIZE), size);
}

void *pvalloc(size_t size)
{
	long page = sysconf(_SC_PAGESIZE);

	return memalign(page, (size + page - 1) & ~(page - 1));
}
