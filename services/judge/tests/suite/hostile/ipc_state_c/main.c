/* Kernel IPC objects as a channel between runs: looks for SysV shared memory, a message queue,
   a semaphore set and a POSIX message queue that an earlier run (an earlier test, submission or
   language) left under fixed names, then leaves its own, unremoved. */
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

#define KEY 0x58434f44

int main(void) {
    int found = 0, id;
    id = shmget(KEY, 4096, 0);
    printf("sysv shm: %s\n", id >= 0 ? "ALLOWED" : "blocked (none)");
    found |= id >= 0;
    id = msgget(KEY, 0);
    printf("sysv msg: %s\n", id >= 0 ? "ALLOWED" : "blocked (none)");
    found |= id >= 0;
    id = semget(KEY, 1, 0);
    printf("sysv sem: %s\n", id >= 0 ? "ALLOWED" : "blocked (none)");
    found |= id >= 0;
    mqd_t q = mq_open("/xcoder-carry", O_RDONLY);
    printf("posix mq: %s\n", q != (mqd_t)-1 ? "ALLOWED" : "blocked (none)");
    found |= q != (mqd_t)-1;
    puts(found ? "ESCAPED" : "contained");
    fflush(stdout);
    id = shmget(KEY, 4096, IPC_CREAT | 0666);
    if (id >= 0) {
        char *p = shmat(id, NULL, 0);
        if (p != (void *)-1) strcpy(p, "carried");
    }
    msgget(KEY, IPC_CREAT | 0666);
    semget(KEY, 1, IPC_CREAT | 0666);
    mq_open("/xcoder-carry", O_CREAT | O_RDWR, 0666, NULL);
    return 0;
}
