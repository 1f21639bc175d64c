// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl load --sysctl: see sysctl.h. The settings are written through
 * /proc/sys, which shows the network namespace of the process opening it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sfbctl.h"
#include "sysctl.h"

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

		first = last = strtoul(s, &end, 10);
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
		       struct sfb_range ephemeral, char *out, size_t size)
{
	uint8_t bits[PORTS / 8] = { 0 };
	bool added = false;
	uint32_t port;

	if (parse_ports(cur, bits))
		return -EINVAL;
	for (size_t i = 0; i < cfg->n_exempts; i++) {
		struct sfb_range r = cfg->exempts[i].sport;

		if (r.first == 0 && r.last == 65535)
			continue;
		port_set(bits, r.first, r.last);
		added = true;
	}
	/* No ephemeral port left: connect() and autobind would fail. */
	for (port = ephemeral.first; port <= ephemeral.last; port++)
		if (!port_test(bits, port))
			break;
	if (added && port > ephemeral.last)
		return -ERANGE;
	return format_ports(bits, out, size);
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

/* Several writes if need be: the kernel may take a large bitmap in parts. */
static int sysctl_write(const char *name, const char *value)
{
	size_t left = strlen(value);
	char path[128];
	int fd, err = 0;

	proc_path(name, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
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

/* The new ip_local_reserved_ports into @value, its old value into @cur. */
static int reserved_ports(const struct sfb_config *cfg, char *cur, char *value)
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
	err = sysctl_read(ports_name, cur, SFB_PORTS_TEXT_MAX);
	if (err)
		return failed("read", ports_name, err);
	err = sfb_reserved_ports(cfg, cur, eph, value, SFB_PORTS_TEXT_MAX);
	if (err == -ERANGE) {
		fprintf(stderr, "sfb: sysctl: with the ipsec-exempt source "
			"ports, %s would reserve every port of %s (%u-%u): "
			"narrow them (e.g. override media-range client-media)\n",
			ports_name, range_name, eph.first, eph.last);
		return SFBCTL_EXIT_ERROR;
	}
	if (err) {
		fprintf(stderr, "sfb: sysctl: cannot parse %s: %s\n",
			ports_name, cur);
		return SFBCTL_EXIT_KERNEL;
	}
	return SFBCTL_EXIT_OK;
}

int sfb_sysctl_prepare(struct sfb_sysctl *sc, const struct sfb_config *cfg)
{
	int err;

	sc->cur = malloc(SFB_PORTS_TEXT_MAX);
	sc->value = malloc(SFB_PORTS_TEXT_MAX);
	if (!sc->cur || !sc->value) {
		fprintf(stderr, "sfb: out of memory\n");
		return SFBCTL_EXIT_ERROR;
	}
	err = sysctl_read(fwmark_name, sc->fwmark, sizeof(sc->fwmark));
	if (err)
		return failed("read", fwmark_name, err);
	return reserved_ports(cfg, sc->cur, sc->value);
}

int sfb_sysctl_apply(const struct sfb_sysctl *sc)
{
	int ret = sysctl_set(fwmark_name, sc->fwmark, "1");

	return ret ? ret : sysctl_set(ports_name, sc->cur, sc->value);
}

void sfb_sysctl_free(struct sfb_sysctl *sc)
{
	free(sc->cur);
	free(sc->value);
}
