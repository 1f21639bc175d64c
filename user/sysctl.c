// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl load --sysctl and flush: see sysctl.h. The settings are written
 * through /proc/sys, which shows the network namespace of the process
 * opening it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runstate.h"
#include "sfbctl.h"
#include "sysctl.h"
#include "xfrm.h"

#define PORTS 65536

static const char fwmark_name[] = "net.ipv4.tcp_fwmark_accept";
static const char range_name[] = "net.ipv4.ip_local_port_range";
static const char ports_name[] = "net.ipv4.ip_local_reserved_ports";

static bool port_test(const uint8_t *bits, uint32_t port)
{
	return bits[port / 8] & 1u << port % 8;
}

static void port_set(uint8_t *bits, uint32_t first, uint32_t last)
{
	for (uint32_t port = first; port <= last; port++)
		bits[port / 8] |= 1u << port % 8;
}

/* The kernel's syntax: "N" or "N-M" joined by ',', a newline at the end. */
static int parse_ports(const char *s, uint8_t *bits)
{
	while (*s && *s != '\n') {
		unsigned long first, last;
		char *end;

		first = strtoul(s, &end, 10);
		last = first;
		if (end == s || first >= PORTS)
			return -EINVAL;
		if (*end == '-') {
			s = end + 1;
			last = strtoul(s, &end, 10);
			if (end == s || last >= PORTS || last < first)
				return -EINVAL;
		}
		port_set(bits, first, last);
		s = end;
		if (*s == ',')
			s++;
		else if (*s && *s != '\n')
			return -EINVAL;
	}
	return 0;
}

static int format_ports(const uint8_t *bits, char *out, size_t size)
{
	size_t n = 0;

	if (!size)
		return -ENOSPC;
	out[0] = '\0';
	for (uint32_t first = 0; first < PORTS; first++) {
		uint32_t last = first;
		int len;

		if (!port_test(bits, first))
			continue;
		while (last + 1 < PORTS && port_test(bits, last + 1))
			last++;
		len = first == last ?
		      snprintf(out + n, size - n, "%s%u", n ? "," : "", first) :
		      snprintf(out + n, size - n, "%s%u-%u", n ? "," : "", first,
			       last);
		if ((size_t)len >= size - n)
			return -ENOSPC;
		n += (size_t)len;
		first = last;
	}
	return 0;
}

int sfb_reserved_ports(const struct sfb_config *cfg, const char *cur,
		       const char *ours, struct sfb_range ephemeral,
		       char *out, char *added, size_t size)
{
	uint8_t bits[PORTS / 8] = { 0 }, mine[PORTS / 8] = { 0 };
	uint8_t add[PORTS / 8] = { 0 };
	bool adding = false;
	uint32_t port;
	int err;

	if (parse_ports(cur, bits))
		return -EINVAL;
	if (parse_ports(ours, mine))
		return -EBADMSG;
	/* What is reserved without sfb: the administrator's. */
	for (size_t i = 0; i < sizeof(bits); i++)
		bits[i] &= ~mine[i];
	for (size_t i = 0; cfg && i < cfg->n_exempts; i++) {
		struct sfb_range r = cfg->exempts[i].sport;

		if (r.first == 0 && r.last == 65535)
			continue;
		port_set(add, r.first, r.last);
		adding = true;
	}
	for (size_t i = 0; i < sizeof(bits); i++) {
		add[i] &= ~bits[i];
		bits[i] |= add[i];
	}
	/* No ephemeral port left: connect() and autobind would fail. */
	for (port = ephemeral.first; port <= ephemeral.last; port++)
		if (!port_test(bits, port))
			break;
	if (adding && port > ephemeral.last)
		return -ERANGE;
	err = format_ports(bits, out, size);
	return err ? err : format_ports(add, added, size);
}

/* "net.ipv4.x" as its /proc/sys path. */
static void proc_path(const char *name, char *path, size_t size)
{
	snprintf(path, size, "/proc/sys/%s", name);
	for (char *p = path + strlen("/proc/sys/"); *p; p++)
		if (*p == '.')
			*p = '/';
}

/*
 * Read the whole value, without its newline, in one read: the large bitmaps
 * allow no other. 0 or an errno.
 */
static int sysctl_read(const char *name, char *buf, size_t size)
{
	char path[128];
	ssize_t len;
	int fd, err = 0;

	proc_path(name, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	len = read(fd, buf, size - 1);
	if (len < 0)
		err = errno;
	else if ((size_t)len == size - 1)
		err = EFBIG;
	close(fd);
	if (err)
		return err;
	buf[len] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/*
 * Several writes if need be: the kernel may take a large bitmap in parts.
 * An empty value is a newline: a write of nothing changes nothing.
 */
static int sysctl_write(const char *name, const char *value)
{
	size_t left = strlen(value);
	char path[128];
	int fd, err = 0;

	proc_path(name, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (!left) {
		value = "\n";
		left = 1;
	}
	while (left) {
		ssize_t len = write(fd, value, left);

		if (len <= 0) {
			err = len < 0 ? errno : EIO;
			break;
		}
		value += len;
		left -= (size_t)len;
	}
	if (close(fd) && !err)
		err = errno;
	return err;
}

static int failed(const char *doing, const char *name, int err)
{
	fprintf(stderr, "sfb: sysctl: cannot %s %s: %s\n", doing, name,
		strerror(err));
	return SFBCTL_EXIT_KERNEL;
}

/* Write @value unless @name already holds it; say so if it changed. */
static int sysctl_set(const char *name, const char *cur, const char *value)
{
	int err;

	if (!strcmp(cur, value))
		return SFBCTL_EXIT_OK;
	err = sysctl_write(name, value);
	if (err)
		return failed("write", name, err);
	printf("sfb: sysctl %s = %s\n", name, value);
	return SFBCTL_EXIT_OK;
}

/* The state file (runstate.h): one "NAME VALUE" line per entry. */

/* Room for the longest ports value and the rest. */
#define STATE_MAX (SFB_PORTS_TEXT_MAX + 256)

/* What an earlier load --sysctl changed, as the state file tells. */
struct state {
	bool found;
	char fwmark[16];	/* "" if sfb did not change it */
	const char *ports;	/* what sfb reserved, in @text; NULL: nothing */
	char *text;		/* the file */
};

/* Parse st->text, the state file's, into @st: 0, or -1 if it is not one. */
static int state_parse(struct state *st, const struct sfb_runstate *rs)
{
	uint64_t theirs = 0;
	char *line, *next;

	for (line = st->text; *line; line = next) {
		char *end = line + strcspn(line, "\n"), *value;

		next = *end ? end + 1 : end;
		*end = '\0';
		if (line[0] == '#' || !line[0])
			continue;
		value = strchr(line, ' ');
		if (!value)
			return -1;
		*value++ = '\0';
		if (!strcmp(line, SFB_RUNSTATE_COOKIE)) {
			theirs = strtoull(value, NULL, 10);
		} else if (!strcmp(line, fwmark_name)) {
			if (strlen(value) >= sizeof(st->fwmark))
				return -1;
			snprintf(st->fwmark, sizeof(st->fwmark), "%s", value);
		} else if (!strcmp(line, ports_name)) {
			st->ports = value;
		} else {
			return -1;
		}
	}
	st->found = sfb_runstate_ours(rs, theirs);
	return 0;
}

static int state_read(const struct sfb_sysctl *sc, struct state *st)
{
	int ret = sfb_runstate_read(&sc->state, STATE_MAX, &st->text);

	if (ret != SFBCTL_EXIT_OK || !st->text || !state_parse(st, &sc->state))
		return ret;
	fprintf(stderr, "sfb: sysctl: %s is not a state file of sfbctl's: remove it\n",
		sc->state.path);
	return SFBCTL_EXIT_ERROR;
}

static void state_lines(FILE *f, const void *arg)
{
	const struct sfb_sysctl *sc = arg;

	if (sc->fwmark_orig[0])
		fprintf(f, "%s %s\n", fwmark_name, sc->fwmark_orig);
	if (sc->added[0])
		fprintf(f, "%s %s\n", ports_name, sc->added);
}

/*
 * The new ip_local_reserved_ports into sc->value and what sfb reserves
 * into sc->added, given @ours, the ports sfb reserved before.
 */
static int reserved_ports(struct sfb_sysctl *sc, const struct sfb_config *cfg,
			  const char *ours)
{
	struct sfb_range eph;
	char range[64];
	int err;

	err = sysctl_read(range_name, range, sizeof(range));
	if (err)
		return failed("read", range_name, err);
	if (sscanf(range, "%hu %hu", &eph.first, &eph.last) != 2 ||
	    eph.first > eph.last) {
		fprintf(stderr, "sfb: sysctl: %s is not a port range: %s\n",
			range_name, range);
		return SFBCTL_EXIT_KERNEL;
	}
	err = sysctl_read(ports_name, sc->cur, SFB_PORTS_TEXT_MAX);
	if (err)
		return failed("read", ports_name, err);
	err = sfb_reserved_ports(cfg, sc->cur, ours, eph, sc->value, sc->added,
				 SFB_PORTS_TEXT_MAX);
	if (err == -ERANGE) {
		fprintf(stderr,
			"sfb: sysctl: with the ipsec-exempt source ports, %s would reserve every port of %s (%u-%u): narrow them (e.g. override media-range client-media)\n",
			ports_name, range_name, eph.first, eph.last);
		return SFBCTL_EXIT_ERROR;
	}
	if (err == -EBADMSG) {
		fprintf(stderr, "sfb: sysctl: %s is not a state file of sfbctl's: remove it\n",
			sc->state.path);
		return SFBCTL_EXIT_ERROR;
	}
	if (err) {
		fprintf(stderr, "sfb: sysctl: cannot parse %s: %s\n",
			ports_name, sc->cur);
		return SFBCTL_EXIT_KERNEL;
	}
	return SFBCTL_EXIT_OK;
}

/*
 * tcp_fwmark_accept: 1 for a bypass, keeping the value from before sfb;
 * without one, that value again, unless someone changed it since.
 */
static void fwmark(struct sfb_sysctl *sc, bool bypass, const char *orig)
{
	if (bypass) {
		snprintf(sc->fwmark_new, sizeof(sc->fwmark_new), "1");
		if (!orig[0] && strcmp(sc->fwmark, "1"))
			orig = sc->fwmark;
		snprintf(sc->fwmark_orig, sizeof(sc->fwmark_orig), "%s", orig);
	} else {
		snprintf(sc->fwmark_new, sizeof(sc->fwmark_new), "%s",
			 orig[0] && !strcmp(sc->fwmark, "1") ? orig : sc->fwmark);
	}
}

int sfb_sysctl_prepare(struct sfb_sysctl *sc, const struct sfb_config *cfg)
{
	bool bypass = cfg && sfb_xfrm_bypass(cfg);
	struct state old = { 0 };
	int err, ret;

	ret = sfb_runstate_locate(&sc->state, "sfb: sysctl", "sysctl");
	if (ret == SFBCTL_EXIT_OK)
		ret = state_read(sc, &old);
	if (ret != SFBCTL_EXIT_OK || (!bypass && !old.found))
		goto out;
	sc->active = true;
	sc->cur = malloc(SFB_PORTS_TEXT_MAX);
	sc->value = malloc(SFB_PORTS_TEXT_MAX);
	sc->added = malloc(SFB_PORTS_TEXT_MAX);
	if (!sc->cur || !sc->value || !sc->added) {
		fprintf(stderr, "sfb: out of memory\n");
		ret = SFBCTL_EXIT_ERROR;
		goto out;
	}
	err = sysctl_read(fwmark_name, sc->fwmark, sizeof(sc->fwmark));
	if (err) {
		ret = failed("read", fwmark_name, err);
		goto out;
	}
	fwmark(sc, bypass, old.found ? old.fwmark : "");
	ret = reserved_ports(sc, bypass ? cfg : NULL,
			     old.found && old.ports ? old.ports : "");
out:
	free(old.text);
	return ret;
}

int sfb_sysctl_apply(const struct sfb_sysctl *sc)
{
	int ret = SFBCTL_EXIT_OK;
	bool keep;

	if (!sc->active)
		return SFBCTL_EXIT_OK;
	keep = sc->fwmark_orig[0] || sc->added[0];
	/*
	 * The state goes in before the settings change, and out once they
	 * are back: a failure in between leaves a record of all that sfb
	 * may have changed, for flush.
	 */
	if (keep)
		ret = sfb_runstate_write(&sc->state,
					 "what sfbctl load --sysctl changed; sfbctl flush restores it",
					 state_lines, sc);
	if (ret == SFBCTL_EXIT_OK)
		ret = sysctl_set(fwmark_name, sc->fwmark, sc->fwmark_new);
	if (ret == SFBCTL_EXIT_OK)
		ret = sysctl_set(ports_name, sc->cur, sc->value);
	if (ret == SFBCTL_EXIT_OK && !keep)
		ret = sfb_runstate_remove(&sc->state);
	return ret;
}

void sfb_sysctl_free(struct sfb_sysctl *sc)
{
	free(sc->cur);
	free(sc->value);
	free(sc->added);
}
