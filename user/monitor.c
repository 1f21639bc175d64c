// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl monitor: print nf_sfb's events as they come, as nft monitor and
 * conntrack -E do: denials (drops, and would-drops in monitor mode) and
 * ruleset changes, one line each, text or JSON.
 *
 * One socket joins the "events" group; a second one dumps the ruleset to
 * name a denial's roles, again whenever an event comes from a generation
 * other than the one dumped. SIGINT and SIGTERM are blocked except while
 * waiting, so an event is printed whole or not at all, and end the
 * command with status 0.
 */
#define _GNU_SOURCE	/* ppoll */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "dump.h"
#include "json.h"
#include "match.h"
#include "netlink.h"
#include "sfbctl.h"

/* As much as the kernel allows: a burst of events waits here. */
#define MONITOR_RCVBUF (4 << 20)

struct monitor {
	struct sfb_nl *events;	/* joined to the group */
	struct sfb_nl *dumper;	/* for the ruleset's role names */
	bool dumped;		/* rs and st hold a generation's dump */
	struct sfb_dump rs;
	struct sfb_stats st;
	unsigned long count;	/* events to print; 0: no limit */
	unsigned long printed;
	int ret;		/* set when the loop must end */
};

/* The event's time, as received: "2026-12-06T09:30:00.123Z". */
static void stamp(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

/*
 * The ruleset of @generation, dumped if the one at hand is another: false
 * if it cannot be had (replaced since the event); its roles are unknown.
 */
static bool ruleset_of(struct monitor *m, uint64_t generation)
{
	if (m->dumped && m->st.generation == generation)
		return true;
	if (m->dumped) {
		sfb_dump_free(&m->rs);
		sfb_stats_free(&m->st);
	}
	sfb_dump_init(&m->rs);
	sfb_stats_init(&m->st);
	m->dumped = true;
	if (sfb_fetch(m->dumper, &m->rs, &m->st) != SFBCTL_EXIT_OK)
		m->st.generation = 0;	/* no ruleset has generation 0 */
	return m->st.generation == generation;
}

/* The names of target @id's roles, or NULL if they cannot be known. */
static json_t *role_names(struct monitor *m, uint64_t generation, uint32_t id)
{
	const struct sfb_dump_target *t;
	json_t *names;
	char buf[32];

	if (id == SFB_MATCH_NO_TARGET)
		return json_array();
	if (!ruleset_of(m, generation))
		return NULL;
	t = sfb_stats_target(&m->st, id);
	if (!t)
		return NULL;
	names = json_array();
	for (size_t i = 0; i < t->n_roles; i++) {
		const char *name = sfb_dump_role_name(&m->rs, t->roles[i], buf,
						      sizeof(buf));

		json_array_append_new(names, sfb_json_str(name));
	}
	return names;
}

struct denial {
	uint64_t generation;
	struct sfb_match_packet p;
	struct sfb_match_answer a;
	uint32_t suppressed;
	bool has_generation, has_packet;
};

static int denial_attr_cb(const struct nlattr *attr, void *data)
{
	struct denial *d = data;

	switch (mnl_attr_get_type(attr)) {
	case SFB_A_GENERATION:
		if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0)
			return MNL_CB_ERROR;
		d->generation = mnl_attr_get_u64(attr);
		d->has_generation = true;
		break;
	case SFB_A_MATCH:
		d->has_packet = true;
		return sfb_match_parse_nest(attr, &d->p, &d->a);
	case SFB_A_SUPPRESSED:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		d->suppressed = mnl_attr_get_u32(attr);
		break;
	}
	return MNL_CB_OK;
}

static void print_denial(struct monitor *m, const struct denial *d)
{
	json_t *roles = role_names(m, d->generation, d->a.dst), *doc;
	char time[32];
	size_t i;

	if (sfb_json_enabled()) {
		stamp(time, sizeof(time));
		doc = json_pack("{s:{s:s,s:o,s:o,s:o,s:s,s:o}}", "denial",
				"time", time,
				"generation", sfb_json_uint(d->generation),
				"packet", sfb_match_packet_json(&d->p),
				"roles", roles ? roles : json_array(),
				"verdict", sfb_verdict_name(d->a.verdict),
				"suppressed", sfb_json_uint(d->suppressed));
		sfb_json_emit_event(doc);
		return;
	}
	printf("%s ", sfb_verdict_name(d->a.verdict));
	sfb_match_packet_print(stdout, &d->p);
	if (roles && json_array_size(roles)) {
		fputs(" to ", stdout);
		for (i = 0; i < json_array_size(roles); i++)
			printf("%s%s", i ? "," : "",
			       json_string_value(json_array_get(roles, i)));
	} else if (d->a.dst != SFB_MATCH_NO_TARGET) {
		printf(" to target %" PRIu32, d->a.dst);
	}
	printf(" (generation %" PRIu64, d->generation);
	if (d->suppressed)
		printf(", %" PRIu32 " suppressed", d->suppressed);
	puts(")");
	json_decref(roles);
}

static void print_ruleset(const char *event, uint64_t generation)
{
	char time[32];

	if (!sfb_json_enabled()) {
		printf("%s generation %" PRIu64 "\n", event, generation);
		return;
	}
	stamp(time, sizeof(time));
	sfb_json_emit_event(json_pack("{s:{s:s,s:s,s:o}}", "ruleset",
				      "time", time, "event", event,
				      "generation", sfb_json_uint(generation)));
}

/* One notification; others of the family (or none of it) are skipped. */
static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	struct monitor *m = data;
	struct sfb_info info = { 0 };
	struct denial d = { 0 };

	if (nlh->nlmsg_type != m->events->family ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*genl)))
		return MNL_CB_OK;
	switch (genl->cmd) {
	case SFB_CMD_DENIAL:
		d.a = (struct sfb_match_answer){ .dst = SFB_MATCH_NO_TARGET,
						 .src = SFB_MATCH_NO_TARGET };
		if (mnl_attr_parse(nlh, sizeof(*genl), denial_attr_cb, &d) !=
			    MNL_CB_OK || !d.has_generation || !d.has_packet ||
		    !d.a.valid)
			goto malformed;
		print_denial(m, &d);
		break;
	case SFB_CMD_LOAD_COMMIT:
	case SFB_CMD_FLUSH:
		if (sfb_info_feed(nlh, &info) != MNL_CB_OK || !info.state)
			goto malformed;
		print_ruleset(genl->cmd == SFB_CMD_FLUSH ? "flush" : "load",
			      info.generation);
		break;
	default:
		return MNL_CB_OK;
	}
	if (m->count && ++m->printed == m->count)
		return MNL_CB_STOP;
	return MNL_CB_OK;
malformed:
	fprintf(stderr, "sfb: monitor: malformed event from nf_sfb\n");
	m->ret = SFBCTL_EXIT_ERROR;
	return MNL_CB_ERROR;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Read what the socket holds: 1 to go on, 0 at the end (m->ret set). */
static int receive(struct monitor *m)
{
	ssize_t n = recv(mnl_socket_get_fd(m->events->sock), m->events->buf,
			 sizeof(m->events->buf), MSG_DONTWAIT);
	int ret;

	/*
	 * The socket overran, or the module could not allocate an event
	 * (it then reports ENOBUFS to the group, as rtnetlink does).
	 */
	if (n < 0 && errno == ENOBUFS) {
		fprintf(stderr,
			"sfb: events lost: receive buffer overrun or kernel out of memory\n");
		return 1;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 1;
	if (n < 0) {
		fprintf(stderr, "sfb: monitor: %s\n", strerror(errno));
		m->ret = SFBCTL_EXIT_ERROR;
		return 0;
	}
	errno = 0;
	ret = mnl_cb_run(m->events->buf, (size_t)n, 0, 0, event_cb, m);
	if (ret == MNL_CB_ERROR && m->ret == SFBCTL_EXIT_OK) {
		fprintf(stderr, "sfb: monitor: %s\n",
			strerror(errno ? errno : EPROTO));
		m->ret = SFBCTL_EXIT_ERROR;
	}
	return ret > MNL_CB_STOP;
}

/* Until a signal, --count events, or --timeout (@timeout_ms, -1: none). */
static void run(struct monitor *m, long timeout_ms)
{
	struct pollfd pfd = { .fd = mnl_socket_get_fd(m->events->sock),
			      .events = POLLIN };
	struct sigaction sa = { .sa_handler = on_signal };
	struct timespec end, now, left;
	sigset_t block, waiting;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &waiting);
	sigdelset(&waiting, SIGINT);
	sigdelset(&waiting, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += timeout_ms / 1000;
	end.tv_nsec += (timeout_ms % 1000) * 1000000;
	if (end.tv_nsec >= 1000000000) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000;
	}
	m->ret = SFBCTL_EXIT_OK;
	while (!stop) {
		if (timeout_ms >= 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			left.tv_sec = end.tv_sec - now.tv_sec;
			left.tv_nsec = end.tv_nsec - now.tv_nsec;
			if (left.tv_nsec < 0) {
				left.tv_sec--;
				left.tv_nsec += 1000000000;
			}
			if (left.tv_sec < 0)
				break;
		}
		if (ppoll(&pfd, 1, timeout_ms >= 0 ? &left : NULL, &waiting) > 0 &&
		    !receive(m))
			break;
	}
}

static bool parse_number(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	return *s >= '0' && *s <= '9' && !*end && !errno && *v >= 1 &&
	       *v <= max;
}

/* Events wait in the socket while the ruleset is dumped: make room. */
static void grow_rcvbuf(struct sfb_nl *nl)
{
	int size = MONITOR_RCVBUF, fd = mnl_socket_get_fd(nl->sock);

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

static int join(struct monitor *m)
{
	int ret, err;

	m->events = sfb_nl_connect(SFB_NL_LOADED, &ret);
	if (!m->events)
		return ret;
	err = sfb_nl_join_events(m->events);
	if (err == ENOENT) {
		fprintf(stderr,
			"sfb: monitor: nf_sfb has no events group (a module older than sfbctl?)\n");
		return SFBCTL_EXIT_ERROR;
	}
	if (err) {
		fprintf(stderr, "sfb: monitor: cannot join the events group: %s%s\n",
			strerror(err), err == EPERM ?
			" (CAP_NET_ADMIN in the network namespace's user namespace is required)" :
			"");
		return SFBCTL_EXIT_KERNEL;
	}
	grow_rcvbuf(m->events);
	m->dumper = sfb_nl_connect(SFB_NL_LOADED, &ret);
	return m->dumper ? SFBCTL_EXIT_OK : ret;
}

int cmd_monitor(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "count", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ 0 }
	};
	struct monitor m = { 0 };
	unsigned long v;
	long timeout_ms = -1;
	int c, ret;

	while ((c = getopt_long(argc, argv, SFB_JSON_SHORTOPTS, opts,
				NULL)) != -1) {
		if (sfb_json_option(c))
			continue;
		if (c == 'c' && parse_number(optarg, ULONG_MAX, &v))
			m.count = v;
		else if (c == 't' && parse_number(optarg, 86400 * 365, &v))
			timeout_ms = (long)v * 1000;
		else
			return usage_error("monitor");
	}
	if (optind != argc)
		return usage_error("monitor");
	/* Each event as it comes, also into a pipe. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = join(&m);
	if (ret == SFBCTL_EXIT_OK) {
		run(&m, timeout_ms);
		ret = m.ret;
	}
	if (m.dumped) {
		sfb_dump_free(&m.rs);
		sfb_stats_free(&m.st);
	}
	sfb_nl_disconnect(m.dumper);
	sfb_nl_disconnect(m.events);
	return ret;
}
