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

#include <sys/personality.h>

static long set_and_check(unsigned long flag) {
    long old = personality(0xffffffff);
    if (old < 0) return -1;
    if (personality((unsigned long)old | flag) < 0) return -1;
    long now = personality(0xffffffff);
    if (!(now & flag)) {
        errno = EPERM;
        return -1;
    }
    return 0;
}
static long no_aslr(void) { return set_and_check(ADDR_NO_RANDOMIZE); }
static long read_implies_exec(void) { return set_and_check(READ_IMPLIES_EXEC); }
static long page_zero(void) { return set_and_check(MMAP_PAGE_ZERO); }

int main(void) {
    probe("personality(ADDR_NO_RANDOMIZE)", no_aslr);
    probe("personality(READ_IMPLIES_EXEC)", read_implies_exec);
    probe("personality(MMAP_PAGE_ZERO)", page_zero);
    return finish();
}
