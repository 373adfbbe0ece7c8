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

  /** The ticket's bits for one task index (front or back). */
  private static final int TASK_BITS = 20;
  private static final long TASK_MASK = (1L << TASK_BITS) - 1;

  /** The most tasks a job may have. */
  static final int MAX_TASKS = (int) TASK_MASK;

  private static final long OPEN = 1L << 62;
  private static final int GENERATION_SHIFT = 2 * TASK_BITS;
  private static final long GENERATION_MASK = (1L << (62 - GENERATION_SHIFT)) - 1;

  private final Thread[] workers;
  /**
   * The job's tasks still to take, {@code [front, back)}, tagged with its generation and whether
   * it is open: {@code OPEN | generation << 40 | front << 20 | back} (22, 20 and 20 bits). The caller takes tasks from
   * the front and the workers from the back, so that with two threads each runs about the same
   * half of every job, layer after layer, and mostly reads what it wrote itself. On a VM whose
   * two vCPUs now and then landed on cores that share no L3 (a cache line's round trip 370-480 ns
   * instead of 45), two threads that took tasks in turn from one end ran ResNet-18 1.2-1.3 times
   * slower than usual (docs/PERFORMANCE.md, thirteenth session). Taking a task is a compare-and-set on this
   * ticket, so a worker that wakes up late for a job that is over cannot take a task of the next
   * one.
   */
  private final AtomicLong ticket = new AtomicLong(0);
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
    if (taskCount > MAX_TASKS) {
      throw new IllegalArgumentException("at most " + MAX_TASKS + " tasks, got " + taskCount);
    }
    long gen = ++generation & GENERATION_MASK;
    ticket.set(gen << GENERATION_SHIFT);
    job = work;
    tasks = taskCount;
    failure = null;
    done.set(0);
    caller = Thread.currentThread();
    ticket.set(OPEN | gen << GENERATION_SHIFT | taskCount);
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
    ticket.set(gen << GENERATION_SHIFT);
    job = null;
    Throwable f = failure;
    if (f instanceof RuntimeException r) {
      throw r;
    }
    if (f instanceof Error e) {
      throw e;
    }
  }

  /**
   * Takes and runs tasks of the current job until none is left or the job has changed: from the
   * front for the caller ({@code worker} 0), from the back for the workers.
   */
  private void take(int worker) {
    while (true) {
      long t = ticket.get();
      Job j = job;
      int n = tasks;
      int front = (int) (t >>> TASK_BITS & TASK_MASK);
      int back = (int) (t & TASK_MASK);
      if ((t & OPEN) == 0 || front >= back || j == null) {
        return;
      }
      boolean fromFront = worker == 0;
      if (!ticket.compareAndSet(t, fromFront ? t + (1L << TASK_BITS) : t - 1)) {
        continue;
      }
      try {
        j.run(fromFront ? front : back - 1, worker);
      } catch (Throwable e) {
        failure = e;
      }
      if (done.incrementAndGet() == n) {
        LockSupport.unpark(caller);
      }
    }
  }

  private void work(int index) {
    long seen = ticket.get() >>> GENERATION_SHIFT & GENERATION_MASK;
    while (true) {
      // Wait for a job newer than the last one, and open: while the caller sets a job up, the
      // ticket already carries the new generation but is still closed.
      long t = ticket.get();
      for (int spin = 0;
          (t >>> GENERATION_SHIFT & GENERATION_MASK) == seen || (t & OPEN) == 0; spin++) {
        if (spin < SPINS) {
          Thread.onSpinWait();
        } else {
          LockSupport.park(this);
        }
        t = ticket.get();
      }
      seen = t >>> GENERATION_SHIFT & GENERATION_MASK;
      take(index);
    }
  }
}
