/*
 * The round trip of one cache line between CPU 0 and CPU 1: two pinned threads hand a counter
 * back and forth 200000 times. About 45 ns when the two vCPUs share an L3, about 400 ns when
 * they do not; on the thirteenth session's VM the placement changed every few minutes, and with
 * it resnetc's two-thread times (docs/PERFORMANCE.md, thirteenth session). Run it next to a
 * benchmark to know which case it measured:
 *   gcc -O2 -pthread tools/probes/core_latency.c -o /tmp/core_latency && /tmp/core_latency
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#define ROUNDS 200000

static _Atomic long flag __attribute__((aligned(64)));

static void pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void *answer(void *unused) {
  (void) unused;
  pin(1);
  for (long i = 0; i < ROUNDS; i++) {
    while (atomic_load(&flag) != 2 * i + 1) {
    }
    atomic_store(&flag, 2 * i + 2);
  }
  return NULL;
}

int main(void) {
  pthread_t other;
  pthread_create(&other, NULL, answer, NULL);
  pin(0);
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < ROUNDS; i++) {
    atomic_store(&flag, 2 * i + 1);
    while (atomic_load(&flag) != 2 * i + 2) {
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  pthread_join(other, NULL);
  double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
  printf("round trip %.0f ns\n", ns / ROUNDS);
  return 0;
}
