/* Probe helpers (each hostile case carries its own copy). A probe runs one attempt in a forked
 * child, so an error return and a seccomp kill (SIGSYS) both count as blocked. The child exits 0
 * only when the attempt succeeded. The last line printed is "contained" or "ESCAPED <n>". */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int escaped_count = 0;

/* attempt() returns >= 0 on success (the sandbox let it through), < 0 with errno set otherwise. */
static void probe(const char *name, long (*attempt)(void)) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        printf("%s: INCONCLUSIVE (fork: %s)\n", name, strerror(errno));
        escaped_count++;
        return;
    }
    if (pid == 0) {
        errno = 0;
        long r = attempt();
        if (r >= 0) _exit(0);
        printf("%s: blocked (%s)\n", name, strerror(errno));
        fflush(stdout);
        _exit(1);
    }
    int st;
    waitpid(pid, &st, 0);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        printf("%s: ALLOWED\n", name);
        escaped_count++;
    } else if (WIFSIGNALED(st)) {
        printf("%s: blocked (signal %d)\n", name, WTERMSIG(st));
    }
    fflush(stdout);
}

static int finish(void) {
    if (escaped_count == 0) puts("contained");
    else printf("ESCAPED %d\n", escaped_count);
    return 0;
}

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <sys/socket.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef AF_ALG
#define AF_ALG 38
#endif

static long inet_stream(void) { return socket(AF_INET, SOCK_STREAM, 0); }
static long inet_dgram(void) { return socket(AF_INET, SOCK_DGRAM, 0); }
static long inet6_stream(void) { return socket(AF_INET6, SOCK_STREAM, 0); }
static long raw_icmp(void) { return socket(AF_INET, SOCK_RAW, IPPROTO_ICMP); }
static long ping_socket(void) { return socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP); }
static long packet_raw(void) { return socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)); }
static long netlink_route(void) { return socket(AF_NETLINK, SOCK_RAW, 0); }
static long vsock(void) { return socket(AF_VSOCK, SOCK_STREAM, 0); }
static long alg(void) { return socket(AF_ALG, SOCK_SEQPACKET, 0); }

int main(void) {
    probe("socket(AF_INET, SOCK_STREAM)", inet_stream);
    probe("socket(AF_INET, SOCK_DGRAM)", inet_dgram);
    probe("socket(AF_INET6, SOCK_STREAM)", inet6_stream);
    probe("socket(AF_INET, SOCK_RAW, ICMP)", raw_icmp);
    probe("socket(AF_INET, SOCK_DGRAM, ICMP) ping socket", ping_socket);
    probe("socket(AF_PACKET, SOCK_RAW)", packet_raw);
    probe("socket(AF_NETLINK)", netlink_route);
    probe("socket(AF_VSOCK) (the VM's host channel)", vsock);
    probe("socket(AF_ALG)", alg);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 && write(sv[0], "k", 1) == 1) {
        char ch;
        if (read(sv[1], &ch, 1) == 1 && ch == 'k') puts("unix socketpair: ok");
    }
    return finish();
}
