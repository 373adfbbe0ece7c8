/*
 * The FP32 FMA peak of one core with AVX2: fourteen independent 256-bit FMA chains (each starts
 * from a different value, so the compiler cannot merge them), five runs of 200 million
 * iterations, GFLOP/s counted as 2 x 8 x 14 per iteration. The physical limit that
 * docs/PERFORMANCE.md measures the kernels against:
 *   gcc -O2 -mavx2 -mfma tools/probes/fma_peak.c -o /tmp/fma_peak && /tmp/fma_peak
 */
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

#define CHAINS 14

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(void) {
  for (int run = 0; run < 5; run++) {
    __m256 acc[CHAINS];
    for (int i = 0; i < CHAINS; i++) {
      acc[i] = _mm256_set1_ps(1.0f + i * 1e-3f);
    }
    __m256 b = _mm256_set1_ps(0.999999f);
    __m256 c = _mm256_set1_ps(1e-7f);
    long n = 200000000;
    double t0 = now();
    for (long k = 0; k < n; k++) {
#pragma GCC unroll 14
      for (int i = 0; i < CHAINS; i++) {
        acc[i] = _mm256_fmadd_ps(acc[i], b, c);
      }
    }
    double seconds = now() - t0;
    float sum = 0;  // printed, so that the chains are not optimized away
    for (int i = 0; i < CHAINS; i++) {
      float lanes[8];
      _mm256_storeu_ps(lanes, acc[i]);
      sum += lanes[0];
    }
    printf("%.1f GFLOP/s (checksum %f)\n", n * CHAINS * 16 / seconds / 1e9, sum);
  }
  return 0;
}
