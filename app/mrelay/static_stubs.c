/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * Linked only into the static mrelay (-Dstatic_mrelay=true). net_pcap
 * needs libpcap, whose static archive brings libdbus-1 (libpcap's D-Bus
 * capture source), which refers to libsystemd's socket activation;
 * Debian ships no static libsystemd. D-Bus calls these only when a bus
 * daemon is started by systemd socket activation, which a relay never
 * is: they answer as libsystemd does outside socket activation.
 */

#include <errno.h>
#include <sys/types.h>

int sd_listen_fds(int unset_environment);
int sd_is_socket(int fd, int family, int type, int listening);

int
sd_listen_fds(int unset_environment)
{
	(void)unset_environment;
	return 0;       /* no sockets passed */
}

int
sd_is_socket(int fd, int family, int type, int listening)
{
	(void)fd;
	(void)family;
	(void)type;
	(void)listening;
	return -ENOSYS;
}
