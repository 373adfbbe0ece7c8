/*
 * The FP32 FMA peak of one core: fourteen independent FMA chains (each starts from a different
 * value, so the compiler cannot merge them), five runs of 200 million iterations, GFLOP/s
 * counted as 2 x (floats a vector) x 14 per iteration. The physical limit that
 * docs/PERFORMANCE.md measures the kernels against. With AVX2's 256-bit vectors:
 *   gcc -O2 -mavx2 -mfma tools/probes/fma_peak.c -o /tmp/fma_peak && /tmp/fma_peak
 * with AVX-512's 512-bit vectors:
 *   gcc -O2 -mavx512f tools/probes/fma_peak.c -o /tmp/fma_peak512 && /tmp/fma_peak512
 */
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

#define CHAINS 14

#ifdef __AVX512F__
#define LANES 16
typedef __m512 vec;
#define set1 _mm512_set1_ps
#define fmadd _mm512_fmadd_ps
#define storeu _mm512_storeu_ps
#else
#define LANES 8
typedef __m256 vec;
#define set1 _mm256_set1_ps
#define fmadd _mm256_fmadd_ps
#define storeu _mm256_storeu_ps
#endif

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(void) {
  for (int run = 0; run < 5; run++) {
    vec acc[CHAINS];
    for (int i = 0; i < CHAINS; i++) {
      acc[i] = set1(1.0f + i * 1e-3f);
    }
    vec b = set1(0.999999f);
    vec c = set1(1e-7f);
    long n = 200000000;
    double t0 = now();
    for (long k = 0; k < n; k++) {
#pragma GCC unroll 14
      for (int i = 0; i < CHAINS; i++) {
        acc[i] = fmadd(acc[i], b, c);
      }
    }
    double seconds = now() - t0;
    float sum = 0;  // printed, so that the chains are not optimized away
    for (int i = 0; i < CHAINS; i++) {
      float lanes[LANES];
      storeu(lanes, acc[i]);
      sum += lanes[0];
    }
    printf("%.1f GFLOP/s (checksum %f)\n", n * CHAINS * 2.0 * LANES / seconds / 1e9, sum);
  }
  return 0;
}
