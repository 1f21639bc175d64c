/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * sfb: port and protocol policy for Skype for Business Server 2015 roles.
 *
 * This header is the protocol specification of the "sfb" generic netlink
 * family. The family is per network namespace (netnsok); every command
 * but GET_INFO needs CAP_NET_ADMIN in the user namespace that owns the
 * caller's network namespace. Validation is strict: an attribute a command does not list
 * below is rejected with an extack message naming it, and so is a non-zero
 * reserved field in the genl header.
 *
 * Byte order: integer attributes are in host byte order, as netlink
 * integers are; ports are host-order u16 values, never network order.
 * Addresses (SFB_BIND_A_ADDR, SFB_MATCH_A_*ADDR) are in network byte order,
 * 4 bytes for IPv4 and 16 for IPv6.
 *
 * The model
 * ---------
 * A network namespace holds at most one ruleset: a policy, roles (each a
 * list of port rules), bindings (an address prefix holds a role) and
 * ipsec-exempt rules. The kernel combines the roles of every address: an
 * address holds the roles of every binding whose prefix contains it, and
 * each distinct combination becomes one target with one port map per
 * protocol and class, so a packet costs one address lookup (binary search
 * over disjoint address intervals, O(log bindings)) and one bit test per
 * class, whatever the number of ports.
 *
 * Enforce mode drops a packet that opens a new flow (conntrack NEW, or no
 * conntrack entry) to a bound address when no service or media rule of the
 * address's roles matches it. An address whose roles have no port rules at
 * all (roles that exist only for ipsec exemptions) is classified and marked
 * but never dropped. Packets sfb cannot parse (a truncated TCP or UDP
 * header, a broken IPv6 extension header chain, a fragment conntrack did
 * not reassemble) count as SFB_CNT_MALFORMED and are dropped in enforce
 * mode; protocols other than TCP and UDP pass. Packets to unbound
 * addresses are left alone, unparsed and uncounted, unless the ruleset
 * marks the ipsec-exempt class or has "from ROLE" exemptions (both may
 * apply to them).
 *
 * Two stages: the verdict is given right after conntrack (PRE_ROUTING,
 * priority NF_IP_PRI_CONNTRACK + 1), where conntrack's state tells new
 * flows from others. In enforce mode a first stage, just before conntrack
 * (NF_IP_PRI_CONNTRACK - 1, after defrag and raw), drops what that verdict
 * would drop without letting conntrack create an entry for it: a packet to
 * a bound address whose port no service or media rule of the address
 * opens, when conntrack holds no entry (in either direction) and no
 * expectation the packet matches, looked up as conntrack would look it up
 * (the same tuple, the zone of the packet's template). Why that is exact:
 * conntrack reports ESTABLISHED, RELATED or a reply only for a packet of an
 * entry it finds or of an expectation it finds; anything else it reports
 * NEW (a new entry, also for a TCP packet it picks up mid-stream) or not
 * at all (invalid, untracked), and the verdict drops those alike. A packet
 * already attached to an entry, or found in conntrack, goes on to the
 * verdict unchanged. Counters are the same as if the verdict had dropped
 * it. Monitor mode drops nothing, so it has no first stage.
 *
 * Hooks are registered per family only while the ruleset in force binds an
 * address of that family (or marks the ipsec-exempt class and has
 * exemptions of any address), with conntrack for that family; LOCAL_OUT
 * only if the ruleset sets marks.
 *
 * Loading: a transaction
 * ----------------------
 * A ruleset of any size is loaded as a transaction of several messages
 * from one socket:
 *
 *   SFB_CMD_LOAD_BEGIN, then any number of SFB_CMD_LOAD_ROLE,
 *   SFB_CMD_LOAD_BIND and SFB_CMD_LOAD_EXEMPT, then SFB_CMD_LOAD_COMMIT.
 *
 * The new ruleset is built aside and replaces the old one atomically at
 * COMMIT (packets see the old or the new one, never a mix) and the
 * generation number increases. SFB_CMD_LOAD_ABORT, an error in any message,
 * or closing the socket discards the transaction and leaves the ruleset in
 * force untouched. One transaction per namespace at a time: BEGIN from
 * another socket while one is open fails with EBUSY; BEGIN from the socket
 * that owns it discards it and starts afresh. Every message of a
 * transaction must come from the socket that sent BEGIN (EBUSY otherwise).
 * A message that fails validation aborts the whole transaction; its extack
 * names the attribute, and its sequence number lets the sender map the
 * error back to its source. The transaction's messages (BEGIN to COMMIT)
 * carry consecutive sequence numbers, and the socket sends nothing else
 * meanwhile: a message the generic netlink core refuses before sfb sees it
 * (a non-zero reserved field, broken attribute framing) leaves a gap, and
 * the next message is refused with EPROTO and ends the transaction too.
 *
 * Roles are numbered by the sender, 0..SFB_LIMIT_A_ROLES-1, in any order;
 * a role may be sent in several LOAD_ROLE messages (its rules accumulate),
 * so a role with more rules than fit in one message still loads.
 *
 * SFB_CMD_GET_INFO
 *   Request: no attributes. Anyone may ask; the namespace's state
 *   (SFB_A_GENERATION, SFB_A_MEMORY, SFB_A_RULESETS) is in the reply only
 *   for CAP_NET_ADMIN in the user namespace that owns the network
 *   namespace, which every other command requires. Reply:
 *   SFB_A_VERSION: NLA_NUL_STRING, the module's version (MODULE_VERSION)
 *   SFB_A_UAPI_VERSION: NLA_U32, SFB_GENL_VERSION as the module was built
 *   SFB_A_LIMITS: NLA_NESTED, what the module enforces per ruleset
 *     SFB_LIMIT_A_ROLES: NLA_U32, roles
 *     SFB_LIMIT_A_SERVICES: NLA_U32, port rules over all roles
 *     SFB_LIMIT_A_BINDINGS: NLA_U32, bound address prefixes
 *     SFB_LIMIT_A_EXEMPTIONS: NLA_U32, ipsec-exempt rules
 *     SFB_LIMIT_A_MEMORY: NLA_U64, bytes one network namespace's rulesets
 *                         (loaded and being loaded) may use in total,
 *                         counted as allocated (what the loader's memory
 *                         cgroup is charged); it grows with the number of
 *                         possible CPUs, for the per-CPU counters
 *     SFB_LIMIT_A_PAD: padding for the 64-bit attributes, ignore it
 *   SFB_A_GENERATION: NLA_U64, this namespace's ruleset generation: 0
 *                     before the first load, +1 at every commit and flush
 *   SFB_A_MEMORY: NLA_U64, bytes the loaded ruleset uses
 *   SFB_A_RULESETS: NLA_U32, rulesets alive in the whole module (loaded,
 *                   being loaded, or waiting for an RCU grace period to be
 *                   freed), so tests can prove nothing leaks
 *   SFB_A_PAD: padding for the 64-bit attributes
 *
 * SFB_CMD_LOAD_BEGIN
 *   SFB_A_POLICY: NLA_NESTED, required
 *     SFB_POLICY_A_MODE: NLA_U8, enum sfb_mode, required
 *     SFB_POLICY_A_MARK_SERVICE: NLA_U32, bits OR-ed into skb->mark of
 *                                packets of class service (default 0)
 *     SFB_POLICY_A_MARK_MEDIA: NLA_U32, the same for class media
 *     SFB_POLICY_A_MARK_EXEMPT: NLA_U32, the same for class ipsec-exempt
 *     SFB_POLICY_A_LOG_RATE: NLA_U32, 1..SFB_LOG_RATE_MAX: denial events
 *                            per second and CPU (see "Events"); absent:
 *                            SFB_LOG_RATE_DEFAULT
 *     SFB_POLICY_A_LOG_GROUP: NLA_U16, log denials to this NFLOG group
 *                             (nfnetlink_log, as nft's "log group N")
 *     SFB_POLICY_A_LOG_PREFIX: NLA_NUL_STRING, < SFB_LOG_PREFIX_MAX bytes:
 *                              with LOG_GROUP, the NFLOG prefix; alone,
 *                              log denials to the kernel log
 *                              (nf_log_syslog, as nft's "log prefix")
 *   Logging shares the events' rate ("Events"): a denial within it is
 *   logged and sent as an event, one beyond it neither.
 *   The marks of different classes must not share bits.
 *
 * SFB_CMD_LOAD_ROLE
 *   SFB_A_ROLE: NLA_NESTED, required
 *     SFB_ROLE_A_ID: NLA_U32, required, < SFB_LIMIT_A_ROLES
 *     SFB_ROLE_A_NAME: NLA_NUL_STRING, required, 1..SFB_NAME_MAX-1 bytes;
 *                      the same on every message of one role
 *     SFB_ROLE_A_DESCRIPTION: NLA_NUL_STRING, optional, < SFB_TEXT_MAX
 *                      bytes, kept for GET_RULESET only
 *     SFB_ROLE_A_RULES: NLA_NESTED, optional: SFB_RULE_A_* nests, each
 *       SFB_RULE_A_NAME: NLA_NUL_STRING, required, 1..SFB_NAME_MAX-1 bytes
 *       SFB_RULE_A_CLASS: NLA_U8, SFB_CLASS_SERVICE or SFB_CLASS_MEDIA
 *       SFB_RULE_A_PROTOS: NLA_U8, SFB_PROTO_* bits, at least one
 *       SFB_RULE_A_PORT_FIRST: NLA_U16, required
 *       SFB_RULE_A_PORT_LAST: NLA_U16, required, >= PORT_FIRST
 *       SFB_RULE_A_TRANSPORT: NLA_NUL_STRING, optional, < SFB_NAME_MAX
 *                             bytes ("tls", "https,tcp"...), kept for
 *                             GET_RULESET only
 *     (the nest's attribute type is SFB_RULES_A_RULE)
 *
 * SFB_CMD_LOAD_BIND
 *   SFB_A_BINDS: NLA_NESTED, required: SFB_BINDS_A_BIND nests, each
 *     SFB_BIND_A_ROLE: NLA_U32, required, a role loaded in this transaction
 *                      (by COMMIT time)
 *     SFB_BIND_A_ADDR: NLA_BINARY, required, 4 (IPv4) or 16 (IPv6) bytes,
 *                      network byte order, host bits zero
 *     SFB_BIND_A_PREFIXLEN: NLA_U8, required, at most 32 or 128
 *   A prefix may be bound to several roles; the roles of an address are
 *   those of every prefix that contains it.
 *
 * SFB_CMD_LOAD_EXEMPT
 *   SFB_A_EXEMPTS: NLA_NESTED, required: SFB_EXEMPTS_A_EXEMPT nests, each
 *     SFB_EXEMPT_A_NAME: NLA_NUL_STRING, required
 *     SFB_EXEMPT_A_FROM_ROLE: NLA_U32, the source's role; absent: any
 *     SFB_EXEMPT_A_TO_ROLE: NLA_U32, the destination's role; absent: any
 *     SFB_EXEMPT_A_PROTOS: NLA_U8, SFB_PROTO_* bits, at least one
 *     SFB_EXEMPT_A_SPORT_FIRST, SFB_EXEMPT_A_SPORT_LAST: NLA_U16, the
 *                               source ports; absent: 0-65535
 *     SFB_EXEMPT_A_DPORT_FIRST, SFB_EXEMPT_A_DPORT_LAST: NLA_U16, the same
 *                               for destination ports
 *   A rule may constrain one side only: when it names a source role or
 *   source ports, its destination must be any role and any port, and the
 *   other way round (EOPNOTSUPP otherwise). Every row of Microsoft's
 *   table has this shape; it keeps the lookup one bit test per side.
 *   UDP packets from or to port 500 or 4500 (IKE) are never ipsec-exempt.
 *
 * SFB_CMD_LOAD_COMMIT
 *   SFB_A_CHECK_ONLY: NLA_FLAG: validate and build everything, then
 *                     discard it (sfbctl load --check)
 *   Reply: SFB_A_GENERATION of the ruleset now in force.
 *
 * SFB_CMD_LOAD_ABORT, SFB_CMD_FLUSH
 *   No attributes. FLUSH removes the ruleset (hooks go away; generation +1).
 *
 * SFB_CMD_GET_RULESET (dump)
 *   One message with SFB_A_GENERATION and SFB_A_POLICY (LOG_RATE only if
 *   the load gave it), then one message
 *   per role (SFB_A_ROLE as loaded; a role with more rules than fit in one
 *   message continues in further messages with the same id and name, as
 *   LOAD_ROLE accepts them), then the bindings (SFB_A_BINDS) and
 *   exemptions (SFB_A_EXEMPTS) in as many messages as needed. A dump
 *   interrupted by a commit is flagged NLM_F_DUMP_INTR; the reader retries.
 *   Without a ruleset the dump is empty.
 *
 * SFB_CMD_GET_STATS (dump)
 *   One message with SFB_A_GENERATION and SFB_A_COUNTERS (the namespace's
 *   packets that were not classified: SFB_CNT_OTHER_PROTO and
 *   SFB_CNT_MALFORMED; and SFB_CNT_EVENTS_SUPPRESSED, the denied packets
 *   whose event was suppressed), then one message per target (a target with more
 *   segments than fit in one message continues in further messages that
 *   repeat SFB_TARGET_A_ID and carry only more segments):
 *   SFB_A_TARGET: NLA_NESTED
 *     SFB_TARGET_A_ID: NLA_U32, valid for this generation only
 *     SFB_TARGET_A_ROLES: NLA_BINARY, array of u32 role ids
 *     SFB_TARGET_A_COUNTERS: NLA_NESTED, SFB_COUNTERS_A_COUNTER nests of
 *       SFB_COUNTER_A_KIND: NLA_U8, enum sfb_counter
 *       SFB_COUNTER_A_PACKETS, SFB_COUNTER_A_BYTES: NLA_U64
 *     SFB_TARGET_A_SEGMENTS: NLA_NESTED, SFB_SEGMENTS_A_SEGMENT nests of
 *       SFB_SEGMENT_A_PROTO: NLA_U8, one SFB_PROTO_* bit
 *       SFB_SEGMENT_A_CLASS: NLA_U8, enum sfb_class
 *       SFB_SEGMENT_A_PORT_FIRST, SFB_SEGMENT_A_PORT_LAST: NLA_U16
 *       SFB_SEGMENT_A_PACKETS, SFB_SEGMENT_A_BYTES: NLA_U64
 *     Segments are maximal port runs covered by the same set of rules of
 *     the target's roles, so a reader attributes them to rules exactly.
 *     Class ipsec-exempt has segments for "to ROLE" exemptions only;
 *     "from ROLE" and any-to-any exemptions count in SFB_CNT_EXEMPT.
 *   Counters are per CPU in the kernel and summed here. They belong to the
 *   ruleset: a commit or a flush starts them from zero.
 *
 * SFB_CMD_ZERO_STATS
 *   No attributes. Sets every counter of the ruleset to zero.
 *
 * SFB_CMD_MATCH
 *   What would the loaded ruleset do with this packet, if it were new?
 *   (In the datapath a reply is also ipsec-exempt when its flow's first
 *   packet was; MATCH knows no flows.)
 *   SFB_A_MATCH: NLA_NESTED, required
 *     SFB_MATCH_A_SADDR, SFB_MATCH_A_DADDR: NLA_BINARY, 4 or 16 bytes each,
 *                                          the same family, required
 *     SFB_MATCH_A_PROTO: NLA_U8, IPPROTO_TCP or IPPROTO_UDP, required
 *     SFB_MATCH_A_SPORT, SFB_MATCH_A_DPORT: NLA_U16, required
 *   Reply: SFB_A_MATCH with the packet's five attributes as asked, and
 *     SFB_MATCH_A_DST_TARGET, SFB_MATCH_A_SRC_TARGET: NLA_U32, the targets
 *                        of the addresses, absent if not bound
 *     SFB_MATCH_A_CLASSES: NLA_U32, bit (1 << enum sfb_class) per class
 *     SFB_MATCH_A_VERDICT: NLA_U8, enum sfb_verdict
 *     SFB_MATCH_A_MARK: NLA_U32, the bits sfb would OR into skb->mark
 *   and SFB_A_GENERATION. ENOENT if no ruleset is loaded.
 *
 * Events
 * ------
 * The family has one multicast group, SFB_GENL_MCGRP_EVENTS ("events";
 * its id is in CTRL_CMD_GETFAMILY's CTRL_ATTR_MCAST_GROUPS). Joining it
 * needs CAP_NET_ADMIN in the user namespace that owns the network
 * namespace (EPERM otherwise), and a listener receives the events of its
 * own network namespace only. Notifications have sequence number 0 and
 * port id 0:
 *
 * SFB_CMD_LOAD_COMMIT, SFB_CMD_FLUSH
 *   A ruleset was put in force, or removed: SFB_A_GENERATION, the new
 *   generation. A check-only commit sends nothing.
 *
 * SFB_CMD_DENIAL
 *   A new flow denied: dropped in enforce mode (either stage), or counted
 *   as would-drop in monitor mode. Packets dropped as malformed
 *   (SFB_CNT_MALFORMED) send no event: they have no flow to speak of.
 *   SFB_A_GENERATION: the generation of the ruleset that decided
 *   SFB_A_MATCH: the packet, nested as MATCH's reply nests it: addresses,
 *                protocol, ports, SFB_MATCH_A_DST_TARGET (always there),
 *                SRC_TARGET if the source is bound, CLASSES, VERDICT
 *                (SFB_VERDICT_DROP or SFB_VERDICT_WOULD_DROP), MARK
 *   SFB_A_SUPPRESSED: NLA_U32, denial events this CPU did not send since
 *                     its last one
 *   Each CPU reports at most the policy's LOG_RATE denials per second (a
 *   token bucket of one second's reports, full at load): as an event, and
 *   logged if the policy logs (SFB_POLICY_A_LOG_*). A denial over the
 *   rate, or one whose message cannot be allocated, is suppressed: it
 *   counts in SFB_A_SUPPRESSED of the CPU's next event and in the
 *   namespace counter SFB_CNT_EVENTS_SUPPRESSED. Both count only while
 *   the group has a listener or the policy logs; then denials = reports
 *   + suppressed. Without either a denial costs one test and nothing is
 *   built. An event the
 *   listener's receive buffer has no room for is lost to it (ENOBUFS on
 *   its socket), as with any netlink multicast; a LOAD_COMMIT or FLUSH
 *   event the kernel has no memory for is lost to every listener, and
 *   each gets ENOBUFS.
 *
 * Compatibility: SFB_GENL_VERSION is bumped when an attribute's meaning
 * changes; new attributes and commands are only ever added at the end of
 * their enum, and readers skip attributes they do not know.
 */

#ifndef _UAPI_LINUX_SFB_H
#define _UAPI_LINUX_SFB_H

#define SFB_GENL_NAME		"sfb"
#define SFB_GENL_VERSION	1

/* Role, rule and exemption names, NUL included. */
#define SFB_NAME_MAX		64
/* Role descriptions, NUL included. */
#define SFB_TEXT_MAX		256

/*
 * The per-ruleset limits of this version of the module: what GET_INFO's
 * SFB_LIMIT_A_* report, except the memory limit, which depends on the
 * machine. A reader should take GET_INFO's word; these let a tool check a
 * ruleset where the module is absent.
 */
#define SFB_MAX_ROLES		64	/* SFB_LIMIT_A_ROLES */
#define SFB_MAX_RULES		65536	/* SFB_LIMIT_A_SERVICES: port rules
					 * of both classes, over all roles
					 */
#define SFB_MAX_BINDINGS	65536	/* SFB_LIMIT_A_BINDINGS */
#define SFB_MAX_EXEMPTIONS	256	/* SFB_LIMIT_A_EXEMPTIONS */

/* The multicast group of the events (see "Events" above). */
#define SFB_GENL_MCGRP_EVENTS	"events"
/* Denial events per second and CPU: SFB_POLICY_A_LOG_RATE's range. */
#define SFB_LOG_RATE_DEFAULT	100
#define SFB_LOG_RATE_MAX	10000
/* SFB_POLICY_A_LOG_PREFIX's size, NUL included (NF_LOG_PREFIXLEN). */
#define SFB_LOG_PREFIX_MAX	128

enum sfb_cmd {
	SFB_CMD_UNSPEC,
	SFB_CMD_GET_INFO,
	SFB_CMD_LOAD_BEGIN,
	SFB_CMD_LOAD_ROLE,
	SFB_CMD_LOAD_BIND,
	SFB_CMD_LOAD_EXEMPT,
	SFB_CMD_LOAD_COMMIT,
	SFB_CMD_LOAD_ABORT,
	SFB_CMD_FLUSH,
	SFB_CMD_GET_RULESET,
	SFB_CMD_GET_STATS,
	SFB_CMD_ZERO_STATS,
	SFB_CMD_MATCH,
	SFB_CMD_DENIAL,		/* notification only (group "events") */
	__SFB_CMD_MAX
};

#define SFB_CMD_MAX (__SFB_CMD_MAX - 1)

enum sfb_mode {
	SFB_MODE_MONITOR,	/* classify, mark and count; never drop */
	SFB_MODE_ENFORCE,	/* also drop new flows to bound addresses that
				 * no rule of their roles allows
				 */
	__SFB_MODE_MAX
};

#define SFB_MODE_MAX (__SFB_MODE_MAX - 1)

enum sfb_class {
	SFB_CLASS_SERVICE,	/* a port the role must have open */
	SFB_CLASS_MEDIA,	/* the role's media ranges */
	SFB_CLASS_EXEMPT,	/* the flow must bypass IPsec */
	__SFB_CLASS_MAX
};

#define SFB_CLASS_MAX (__SFB_CLASS_MAX - 1)

/* Protocol sets. */
#define SFB_PROTO_TCP		(1 << 0)
#define SFB_PROTO_UDP		(1 << 1)
#define SFB_PROTO_ALL		(SFB_PROTO_TCP | SFB_PROTO_UDP)

enum sfb_verdict {
	SFB_VERDICT_ACCEPT,	/* allowed, or not sfb's business */
	SFB_VERDICT_DROP,	/* dropped (enforce mode) */
	SFB_VERDICT_WOULD_DROP,	/* counted only (monitor mode) */
	__SFB_VERDICT_MAX
};

/*
 * Counter kinds. Per target: packets to it by class (a packet of several
 * classes counts in each) and by verdict. Per namespace (no target):
 * packets sfb saw but could not classify.
 */
enum sfb_counter {
	SFB_CNT_SERVICE,	/* new or not, class service */
	SFB_CNT_MEDIA,		/* class media */
	SFB_CNT_EXEMPT,		/* class ipsec-exempt (either side) */
	SFB_CNT_UNMATCHED,	/* to the target, no class */
	SFB_CNT_DROPPED,	/* dropped in enforce mode */
	SFB_CNT_WOULD_DROP,	/* would have been dropped: monitor mode */
	SFB_CNT_OTHER_PROTO,	/* neither TCP nor UDP: passed */
	SFB_CNT_MALFORMED,	/* truncated or malformed L4 header */
	SFB_CNT_EVENTS_SUPPRESSED,	/* denial events not sent (rate, memory)
					 * while the group had a listener
					 */
	__SFB_CNT_MAX
};

#define SFB_CNT_MAX (__SFB_CNT_MAX - 1)

enum sfb_attr {
	SFB_A_UNSPEC,
	SFB_A_VERSION,
	SFB_A_UAPI_VERSION,
	SFB_A_LIMITS,
	SFB_A_GENERATION,
	SFB_A_MEMORY,
	SFB_A_RULESETS,
	SFB_A_PAD,
	SFB_A_POLICY,
	SFB_A_ROLE,
	SFB_A_BINDS,
	SFB_A_EXEMPTS,
	SFB_A_CHECK_ONLY,
	SFB_A_COUNTERS,
	SFB_A_TARGET,
	SFB_A_MATCH,
	SFB_A_SUPPRESSED,
	__SFB_A_LAST
};

#define SFB_A_MAX (__SFB_A_LAST - 1)

enum sfb_limit_attr {
	SFB_LIMIT_A_UNSPEC,
	SFB_LIMIT_A_ROLES,
	SFB_LIMIT_A_SERVICES,
	SFB_LIMIT_A_BINDINGS,
	SFB_LIMIT_A_EXEMPTIONS,
	SFB_LIMIT_A_MEMORY,
	SFB_LIMIT_A_PAD,
	__SFB_LIMIT_A_LAST
};

#define SFB_LIMIT_A_MAX (__SFB_LIMIT_A_LAST - 1)

enum sfb_policy_attr {
	SFB_POLICY_A_UNSPEC,
	SFB_POLICY_A_MODE,
	SFB_POLICY_A_MARK_SERVICE,
	SFB_POLICY_A_MARK_MEDIA,
	SFB_POLICY_A_MARK_EXEMPT,
	SFB_POLICY_A_LOG_RATE,
	SFB_POLICY_A_LOG_GROUP,
	SFB_POLICY_A_LOG_PREFIX,
	__SFB_POLICY_A_LAST
};

#define SFB_POLICY_A_MAX (__SFB_POLICY_A_LAST - 1)

enum sfb_role_attr {
	SFB_ROLE_A_UNSPEC,
	SFB_ROLE_A_ID,
	SFB_ROLE_A_NAME,
	SFB_ROLE_A_RULES,
	SFB_ROLE_A_DESCRIPTION,
	__SFB_ROLE_A_LAST
};

#define SFB_ROLE_A_MAX (__SFB_ROLE_A_LAST - 1)

enum sfb_rules_attr {
	SFB_RULES_A_UNSPEC,
	SFB_RULES_A_RULE,
	__SFB_RULES_A_LAST
};

#define SFB_RULES_A_MAX (__SFB_RULES_A_LAST - 1)

enum sfb_rule_attr {
	SFB_RULE_A_UNSPEC,
	SFB_RULE_A_NAME,
	SFB_RULE_A_CLASS,
	SFB_RULE_A_PROTOS,
	SFB_RULE_A_PORT_FIRST,
	SFB_RULE_A_PORT_LAST,
	SFB_RULE_A_TRANSPORT,
	__SFB_RULE_A_LAST
};

#define SFB_RULE_A_MAX (__SFB_RULE_A_LAST - 1)

enum sfb_binds_attr {
	SFB_BINDS_A_UNSPEC,
	SFB_BINDS_A_BIND,
	__SFB_BINDS_A_LAST
};

#define SFB_BINDS_A_MAX (__SFB_BINDS_A_LAST - 1)

enum sfb_bind_attr {
	SFB_BIND_A_UNSPEC,
	SFB_BIND_A_ROLE,
	SFB_BIND_A_ADDR,
	SFB_BIND_A_PREFIXLEN,
	__SFB_BIND_A_LAST
};

#define SFB_BIND_A_MAX (__SFB_BIND_A_LAST - 1)

enum sfb_exempts_attr {
	SFB_EXEMPTS_A_UNSPEC,
	SFB_EXEMPTS_A_EXEMPT,
	__SFB_EXEMPTS_A_LAST
};

#define SFB_EXEMPTS_A_MAX (__SFB_EXEMPTS_A_LAST - 1)

enum sfb_exempt_attr {
	SFB_EXEMPT_A_UNSPEC,
	SFB_EXEMPT_A_NAME,
	SFB_EXEMPT_A_FROM_ROLE,
	SFB_EXEMPT_A_TO_ROLE,
	SFB_EXEMPT_A_PROTOS,
	SFB_EXEMPT_A_SPORT_FIRST,
	SFB_EXEMPT_A_SPORT_LAST,
	SFB_EXEMPT_A_DPORT_FIRST,
	SFB_EXEMPT_A_DPORT_LAST,
	__SFB_EXEMPT_A_LAST
};

#define SFB_EXEMPT_A_MAX (__SFB_EXEMPT_A_LAST - 1)

enum sfb_counters_attr {
	SFB_COUNTERS_A_UNSPEC,
	SFB_COUNTERS_A_COUNTER,
	__SFB_COUNTERS_A_LAST
};

#define SFB_COUNTERS_A_MAX (__SFB_COUNTERS_A_LAST - 1)

enum sfb_counter_attr {
	SFB_COUNTER_A_UNSPEC,
	SFB_COUNTER_A_KIND,
	SFB_COUNTER_A_PACKETS,
	SFB_COUNTER_A_BYTES,
	SFB_COUNTER_A_PAD,
	__SFB_COUNTER_A_LAST
};

#define SFB_COUNTER_A_MAX (__SFB_COUNTER_A_LAST - 1)

enum sfb_target_attr {
	SFB_TARGET_A_UNSPEC,
	SFB_TARGET_A_ID,
	SFB_TARGET_A_ROLES,
	SFB_TARGET_A_COUNTERS,
	SFB_TARGET_A_SEGMENTS,
	__SFB_TARGET_A_LAST
};

#define SFB_TARGET_A_MAX (__SFB_TARGET_A_LAST - 1)

enum sfb_segments_attr {
	SFB_SEGMENTS_A_UNSPEC,
	SFB_SEGMENTS_A_SEGMENT,
	__SFB_SEGMENTS_A_LAST
};

#define SFB_SEGMENTS_A_MAX (__SFB_SEGMENTS_A_LAST - 1)

enum sfb_segment_attr {
	SFB_SEGMENT_A_UNSPEC,
	SFB_SEGMENT_A_PROTO,
	SFB_SEGMENT_A_CLASS,
	SFB_SEGMENT_A_PORT_FIRST,
	SFB_SEGMENT_A_PORT_LAST,
	SFB_SEGMENT_A_PACKETS,
	SFB_SEGMENT_A_BYTES,
	SFB_SEGMENT_A_PAD,
	__SFB_SEGMENT_A_LAST
};

#define SFB_SEGMENT_A_MAX (__SFB_SEGMENT_A_LAST - 1)

enum sfb_match_attr {
	SFB_MATCH_A_UNSPEC,
	SFB_MATCH_A_SADDR,
	SFB_MATCH_A_DADDR,
	SFB_MATCH_A_PROTO,
	SFB_MATCH_A_SPORT,
	SFB_MATCH_A_DPORT,
	SFB_MATCH_A_DST_TARGET,
	SFB_MATCH_A_SRC_TARGET,
	SFB_MATCH_A_CLASSES,
	SFB_MATCH_A_VERDICT,
	SFB_MATCH_A_MARK,
	__SFB_MATCH_A_LAST
};

#define SFB_MATCH_A_MAX (__SFB_MATCH_A_LAST - 1)

#endif /* _UAPI_LINUX_SFB_H */
