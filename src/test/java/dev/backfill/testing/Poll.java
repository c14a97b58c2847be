package dev.backfill.testing;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Waits for a condition by polling, with a timeout, instead of sleeping a fixed time. */
public final class Poll {

    private Poll() {}

    /** Polls every {@code everyMillis} until the condition holds; fails with {@code what} after the timeout. */
    public static void until(String what, Duration timeout, long everyMillis, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (Boolean.TRUE.equals(condition.call())) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
            }
            Thread.sleep(everyMillis);
        }
    }

    public static void until(String what, Duration timeout, Callable<Boolean> condition) throws Exception {
        until(what, timeout, 20, condition);
    }
}
