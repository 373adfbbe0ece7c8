package dev.resnetc.runtime;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** {@link Parallel} runs every task of every job exactly once, even with concurrent callers. */
class ParallelTest {
  @Test
  void everyTaskRunsExactlyOnceAcrossManyJobs() {
    for (int threads = 1; threads <= 3; threads++) {
      Parallel pool = Parallel.of(threads);
      assertThat(pool.threads()).isEqualTo(threads);
      for (int round = 0; round < 2000; round++) {
        int tasks = round % 17;
        AtomicIntegerArray runs = new AtomicIntegerArray(Math.max(tasks, 1));
        pool.run(tasks, (task, worker) -> runs.incrementAndGet(task));
        for (int t = 0; t < tasks; t++) {
          assertThat(runs.get(t)).isEqualTo(1);
        }
      }
    }
  }

  @Test
  void theCallerTakesTasksFromTheFrontAndTheWorkersFromTheBack() {
    Parallel pool = Parallel.of(2);
    for (int round = 0; round < 500; round++) {
      int tasks = 2 + round % 40;
      int[] by = new int[tasks];
      pool.run(tasks, (task, worker) -> {
        by[task] = worker;
        for (long spin = 0; spin < 2000; spin++) {
          Thread.onSpinWait(); // long enough for the worker to take some
        }
      });
      // the caller's tasks are a prefix, the worker's a suffix: each keeps its part of the data
      int split = 0;
      while (split < tasks && by[split] == 0) {
        split++;
      }
      for (int t = split; t < tasks; t++) {
        assertWithMessage("task %s of %s", t, tasks).that(by[t]).isEqualTo(1);
      }
    }
  }

  @Test
  void poolsAreSharedPerThreadCount() {
    assertThat(Parallel.of(2)).isSameInstanceAs(Parallel.of(2));
    assertThat(Parallel.ofAvailableProcessors().threads())
        .isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThrows(IllegalArgumentException.class, () -> Parallel.of(0));
  }

  @Test
  void aFailingTaskFailsTheRunAfterAllTasksEnd() {
    Parallel pool = Parallel.of(2);
    AtomicIntegerArray runs = new AtomicIntegerArray(8);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> pool.run(8, (task, worker) -> {
          runs.incrementAndGet(task);
          if (task == 3) {
            throw new IllegalStateException("task 3");
          }
        }));
    assertThat(e).hasMessageThat().isEqualTo("task 3");
    for (int t = 0; t < 8; t++) {
      assertThat(runs.get(t)).isEqualTo(1);
    }
    pool.run(2, (task, worker) -> runs.incrementAndGet(task));
    assertThat(runs.get(0)).isEqualTo(2);
  }

  @Test
  void concurrentCallersEachGetAllTheirTasksRun() throws Exception {
    Parallel pool = Parallel.of(2);
    ExecutorService callers = Executors.newFixedThreadPool(3);
    try {
      Future<?>[] futures = new Future<?>[3];
      for (int c = 0; c < 3; c++) {
        futures[c] = callers.submit(() -> {
          for (int round = 0; round < 300; round++) {
            AtomicIntegerArray runs = new AtomicIntegerArray(9);
            pool.run(9, (task, worker) -> runs.incrementAndGet(task));
            for (int t = 0; t < 9; t++) {
              assertThat(runs.get(t)).isEqualTo(1);
            }
          }
          return null;
        });
      }
      for (Future<?> f : futures) {
        f.get(2, TimeUnit.MINUTES);
      }
    } finally {
      callers.shutdownNow();
    }
  }
}
