// SPDX-License-Identifier: GPL-2.0
/*
 * Loading nf_sfb with libkmod: see modload.h. The one line printed on
 * failure names the cause, and the remedy where there is one.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <syslog.h>
#include <unistd.h>

#include <libkmod.h>

#include "modload.h"
#include "sfbctl.h"

#define SIGN_HINT "Secure Boot: sign it with a key enrolled with mokutil, see sfbctl(8)"
/* Too long to share a line with their call; here each is on one line. */
#define LOCKED_DOWN "the kernel is locked down and takes only modules signed with a key it trusts (%s)"
#define NOT_BUILT "%s is not built for kernel %s (rebuild it: dkms autoinstall, or make install)"

static int cannot(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int cannot(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sfb: cannot load " SFB_MODULE_NAME ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return SFBCTL_EXIT_NO_MODULE;
}

/* The first line of a small file, without its newline; "" if unreadable. */
static void read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (!f)
		return;
	if (!fgets(buf, (int)size, f))
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/*
 * A locked-down kernel (Secure Boot on Debian) refuses unsigned modules
 * and those signed with a key it does not trust with EPERM, as it refuses
 * a caller without CAP_SYS_MODULE: tell them apart.
 */
static int refused(void)
{
	char buf[128];

	read_line("/sys/kernel/security/lockdown", buf, sizeof(buf));
	if (buf[0] && !strstr(buf, "[none]"))
		return cannot(LOCKED_DOWN, SIGN_HINT);
	read_line("/proc/sys/kernel/modules_disabled", buf, sizeof(buf));
	if (!strcmp(buf, "1"))
		return cannot("module loading is disabled (kernel.modules_disabled = 1)");
	return cannot("permission denied (loading a module needs CAP_SYS_MODULE)");
}

static int probe(struct kmod_module *mod, const char *release)
{
	const char *path = kmod_module_get_path(mod);
	int err;

	/* The blacklist as for the alias the kernel asks modprobe for. */
	err = kmod_module_probe_insert_module(mod, KMOD_PROBE_APPLY_BLACKLIST,
					      NULL, NULL, NULL, NULL);
	if (err == 0)
		return SFBCTL_EXIT_OK;
	if (err > 0)
		return cannot("it is blacklisted in modprobe.d (modprobe " SFB_MODULE_NAME
			      " loads it anyway)");
	switch (-err) {
	case EKEYREJECTED:
	case ENOKEY:
	case EBADMSG:
		return cannot("the kernel refused its signature (" SIGN_HINT ")");
	case EPERM:
		return refused();
	case ENOEXEC:
		return cannot(NOT_BUILT, path ? path : SFB_MODULE_NAME, release);
	default:
		return cannot("%s: %s (see dmesg)", path ? path : SFB_MODULE_NAME,
			      strerror(-err));
	}
}

int sfb_modload(void)
{
	struct kmod_module *mod = NULL;
	struct kmod_list *list = NULL;
	struct kmod_ctx *ctx;
	struct utsname u;
	int err, ret;

	if (uname(&u) < 0)
		return cannot("uname: %s", strerror(errno));
	ctx = kmod_new(NULL, NULL);
	if (!ctx)
		return cannot("libkmod: %s", strerror(ENOMEM));
	/* It logs nothing this grave: no second account of a failure. */
	kmod_set_log_priority(ctx, LOG_EMERG);
	/* As modprobe looks a name up: modprobe.d, modules.dep, built-ins. */
	err = kmod_module_new_from_lookup(ctx, SFB_MODULE_NAME, &list);
	if (list)
		mod = kmod_module_get_module(list);
	kmod_module_unref_list(list);
	/* A missing index (no modules for this kernel) is not found too. */
	if (mod)
		ret = probe(mod, u.release);
	else if (err < 0 && err != -ENOENT && err != -ENOSYS)
		ret = cannot("searching %s: %s", kmod_get_dirname(ctx),
			     strerror(-err));
	else
		ret = cannot("module not found for kernel %s (install sfb-dkms, or make install)",
			     u.release);
	kmod_module_unref(mod);
	kmod_unref(ctx);
	return ret;
}

/* Whether modules.builtin (one path a line: kernel/.../NAME.ko) lists @name. */
static bool builtin(const char *release, const char *name)
{
	char path[PATH_MAX], line[PATH_MAX];
	bool found = false;
	size_t len = strlen(name);
	FILE *f;

	snprintf(path, sizeof(path), "/lib/modules/%s/modules.builtin", release);
	f = fopen(path, "re");
	if (!f)
		return true;	/* cannot tell */
	while (!found && fgets(line, sizeof(line), f)) {
		const char *base = strrchr(line, '/');

		base = base ? base + 1 : line;
		found = !strncmp(base, name, len) && !strcmp(base + len, ".ko\n");
	}
	fclose(f);
	return found;
}

/*
 * Read from /sys and modules.builtin, as libkmod would, but without it:
 * its lookups crash when an allocation fails (libkmod 30), and a load
 * calls this after its commit.
 */
bool sfb_module_present(const char *name)
{
	char path[PATH_MAX];
	struct utsname u;

	/* A kernel without modules has everything it has built in. */
	if (access("/proc/modules", F_OK) < 0)
		return true;
	/* Loaded (its initstate), or built in with parameters. */
	snprintf(path, sizeof(path), "/sys/module/%s", name);
	if (access(path, F_OK) == 0)
		return true;
	return uname(&u) < 0 || builtin(u.release, name);
}
