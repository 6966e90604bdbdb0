/* addr.h - IPv4 and IPv6 addresses as text: canonical output, strict input.
 *
 * The names say the direction (fmt_, parse_) like the rest of the text helpers in fmt.h; the
 * module is separate because the address grammars are their own concern. Addresses are bytes
 * in network order (struct in_addr / in6_addr contents, or a QMI/MBIM field after get_be32).
 */
#ifndef WWANBOX_ADDR_H
#define WWANBOX_ADDR_H

#include "wwanbox.h"

#define ADDR_IP4_STRLEN 16 /* "255.255.255.255" + NUL, as INET_ADDRSTRLEN */
#define ADDR_IP6_STRLEN 46 /* "ffff:...:255.255.255.255" + NUL, as INET6_ADDRSTRLEN */

/* "a.b.c.d" of 4 bytes; returns the length (without the NUL). */
size_t fmt_ip4(char buf[ADDR_IP4_STRLEN], const void *a4);

/* RFC 5952 canonical text of 16 bytes: lowercase hex without leading zeros, the longest run
 * (the first of equals) of two or more zero groups as "::", IPv4-mapped as ::ffff:a.b.c.d.
 * Returns the length (without the NUL). */
size_t fmt_ip6(char buf[ADDR_IP6_STRLEN], const void *a16);

/* Dotted quad, exactly 4 decimal octets 0-255 without leading zeros ("01" is refused: some
 * parsers read it as octal), nothing before or after. 0 or -EINVAL; out written on success. */
int parse_ip4(const char *s, uint8_t out[4]);

/* RFC 4291 2.2 text: 8 groups of 1-4 hex digits, at most one "::" standing for one or more
 * zero groups, optionally a dotted quad as the last 32 bits; no zone ("%eth0"), no prefix
 * length, no spaces. Accepts what glibc's inet_pton(AF_INET6) accepts. 0 or -EINVAL. */
int parse_ip6(const char *s, uint8_t out[16]);

#endif
