/* Slot poisoning through memory charges: "leak" creates 160 MiB of SysV shared memory, touches
   it and exits without removing it; "honest" then needs 180 MiB of heap under a 256 MiB limit.
   If the segment outlived its run, its pages would stay charged to the slot and the honest
   program would get MLE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

int main(void) {
    char what[16] = "";
    if (scanf("%15s", what) != 1) return 2;
    if (!strcmp(what, "leak")) {
        int id = shmget(IPC_PRIVATE, 160 << 20, IPC_CREAT | 0600);
        if (id < 0) { puts("shmget failed"); return 0; }
        char *p = shmat(id, NULL, 0);
        if (p == (void *)-1) { puts("shmat failed"); return 0; }
        memset(p, 1, 160 << 20);
        puts("leaked");
        return 0;
    }
    size_t n = (size_t)180 << 20;
    char *q = malloc(n);
    if (!q) return 3;
    memset(q, 2, n);
    long sum = 0;
    for (size_t i = 0; i < n; i += 4096) sum += q[i];
    printf("ok %ld\n", sum);
    return 0;
}
