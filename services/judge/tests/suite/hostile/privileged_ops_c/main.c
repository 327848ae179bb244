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

#include <grp.h>
#include <sys/io.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <time.h>
#include <linux/capability.h>
#include <linux/reboot.h>

static long to_root(void) { return setuid(0); }
static long to_root_group(void) { return setgid(0); }
static long drop_groups(void) { return setgroups(0, NULL); }
static long make_mem_node(void) { return mknod("mem", S_IFCHR | 0666, makedev(1, 1)); }
static long make_block_node(void) { return mknod("disk", S_IFBLK | 0666, makedev(253, 0)); }
static long set_hostname(void) { return sethostname("pwned", 5); }
static long set_time(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return settimeofday(&tv, NULL);
}
static long set_clock(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return clock_settime(CLOCK_REALTIME, &ts);
}
static long tune_clock(void) {
    struct timex t = {0};
    t.modes = ADJ_TICK;
    t.tick = 10000;
    return adjtimex(&t) < 0 ? -1 : 0;
}
static long cad_off(void) { return syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_CAD_OFF, NULL); }
static long io_privilege(void) { return iopl(3); }
static long io_ports(void) { return ioperm(0x80, 1, 1); }
static long swap(void) { return syscall(SYS_swapon, "swapfile", 0); }
static long all_caps(void) {
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2] = {{~0u, ~0u, ~0u}, {~0u, ~0u, ~0u}};
    return syscall(SYS_capset, &h, d);
}
static long renice_up(void) { return setpriority(PRIO_PROCESS, 0, -10); }

int main(void) {
    probe("setuid(0)", to_root);
    probe("setgid(0)", to_root_group);
    probe("setgroups(0)", drop_groups);
    probe("mknod /dev/mem twin", make_mem_node);
    probe("mknod block device", make_block_node);
    probe("sethostname", set_hostname);
    probe("settimeofday", set_time);
    probe("clock_settime", set_clock);
    probe("adjtimex(ADJ_TICK)", tune_clock);
    probe("reboot(CAD_OFF)", cad_off);
    probe("iopl(3)", io_privilege);
    probe("ioperm", io_ports);
    probe("swapon", swap);
    probe("capset(all)", all_caps);
    probe("setpriority(-10)", renice_up);
    return finish();
}
