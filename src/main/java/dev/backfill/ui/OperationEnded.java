package dev.backfill.ui;

import java.time.Duration;

/**
 * A long operation that ended: what it was ("Dry run"), how it ended, in the words the screen showed,
 * how long it ran, and whether it ended well.
 */
public record OperationEnded(String operation, String outcome, Duration took, boolean succeeded) {}
