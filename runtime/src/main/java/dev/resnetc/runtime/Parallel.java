package dev.resnetc.runtime;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed pool of threads that runs the tasks of one kernel at a time: the calling thread and the
 * pool's workers take task indices from a shared counter until none are left. Workers are started
 * once, with the pool; running a kernel creates no thread and allocates nothing.
 */
public final class Parallel {
  /** The work of one kernel call, split into tasks {@code 0 .. tasks-1}. */
  public interface Job {
    /** Runs task {@code task} on participant {@code worker} (0 is the calling thread). */
    void run(int task, int worker);
  }

  private static final int SPINS = 1 << 12;
  private static final int CLOSED = Integer.MAX_VALUE;

  private final Thread[] workers;
  /**
   * The next task to take, tagged with the job's generation: {@code (generation << 32) | task}.
   * Taking a task is a compare-and-set on this ticket, so a worker that wakes up late for a job
   * that is over cannot take a task of the next one.
   */
  private final AtomicLong ticket = new AtomicLong((long) 0 << 32 | CLOSED);
  private final AtomicInteger done = new AtomicInteger();
  private int generation;
  private volatile Job job;
  private volatile int tasks;
  private volatile Thread caller;
  private volatile Throwable failure;

  private static final ConcurrentHashMap<Integer, Parallel> SHARED = new ConcurrentHashMap<>();

  /** A pool of {@code threads} participants (the caller and {@code threads - 1} workers). */
  private Parallel(int threads) {
    workers = new Thread[threads - 1];
    for (int i = 0; i < workers.length; i++) {
      int index = i + 1;
      workers[i] = new Thread(() -> work(index), "resnetc-" + index);
      workers[i].setDaemon(true);
      workers[i].start();
    }
  }

  /**
   * The process-wide pool of {@code threads} participants. Pools live as long as the process, so
   * networks share them instead of each starting threads of its own.
   */
  public static Parallel of(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    return SHARED.computeIfAbsent(threads, Parallel::new);
  }

  /** The shared pool with one participant per available processor. */
  public static Parallel ofAvailableProcessors() {
    return of(Runtime.getRuntime().availableProcessors());
  }

  public int threads() {
    return workers.length + 1;
  }

  /**
   * Runs {@code work}'s tasks on all participants and returns when all are done. The caller takes
   * tasks too and never waits for a worker that has not started one, so a worker descheduled by
   * a busy machine costs nothing but its share of the work.
   */
  public synchronized void run(int taskCount, Job work) {
    if (workers.length == 0 || taskCount <= 1) {
      for (int t = 0; t < taskCount; t++) {
        work.run(t, 0);
      }
      return;
    }
    int gen = ++generation;
    ticket.set((long) gen << 32 | CLOSED);
    job = work;
    tasks = taskCount;
    failure = null;
    done.set(0);
    caller = Thread.currentThread();
    ticket.set((long) gen << 32);
    for (Thread w : workers) {
      LockSupport.unpark(w);
    }
    take(0);
    for (int spin = 0; done.get() < taskCount; spin++) {
      if (spin < SPINS) {
        Thread.onSpinWait();
      } else {
        LockSupport.park(this);
      }
    }
    ticket.set((long) gen << 32 | CLOSED);
    job = null;
    Throwable f = failure;
    if (f instanceof RuntimeException r) {
      throw r;
    }
    if (f instanceof Error e) {
      throw e;
    }
  }

  /** Takes and runs tasks of the current job until none is left or the job has changed. */
  private void take(int worker) {
    while (true) {
      long t = ticket.get();
      Job j = job;
      int n = tasks;
      int task = (int) t;
      if (task >= n || j == null) {
        return;
      }
      if (!ticket.compareAndSet(t, t + 1)) {
        continue;
      }
      try {
        j.run(task, worker);
      } catch (Throwable e) {
        failure = e;
      }
      if (done.incrementAndGet() == n) {
        LockSupport.unpark(caller);
      }
    }
  }

  private void work(int index) {
    long seen = ticket.get() >>> 32;
    while (true) {
      // Wait for a job newer than the last one, and open: while the caller sets a job up, the
      // ticket already carries the new generation but is still closed.
      long t = ticket.get();
      for (int spin = 0; t >>> 32 == seen || (int) t == CLOSED; spin++) {
        if (spin < SPINS) {
          Thread.onSpinWait();
        } else {
          LockSupport.park(this);
        }
        t = ticket.get();
      }
      seen = t >>> 32;
      take(index);
    }
  }
}
