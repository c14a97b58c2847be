package dev.backfill.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Shrinks a failing operator sequence to a short reproduction: delta debugging over its concrete
 * commands (each names real users, batches and rows, so any subsequence can be replayed from a fresh
 * database), keeping a candidate while it fails the same way. Bounded in time.
 */
final class Minimizer {
    private static final long BUDGET_NANOS = 180_000_000_000L;
    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern NUMBER = Pattern.compile("\\d+");

    private Minimizer() {}

    /**
     * The failure, with the shortest sequence found that fails the same way, printed as CLI commands;
     * {@code which} names the generated sequence (its seed and index), {@code replay} how to run it alone.
     */
    static AssertionError shortest(ModelLab lab, String which, String replay, List<Operator.Step> steps, Throwable failure) {
        String signature = signature(failure);
        long deadline = System.nanoTime() + BUDGET_NANOS;
        List<Operator.Step> current = new ArrayList<>(steps);
        int replays = 0;
        int granularity = 2;
        while (current.size() >= 1 && System.nanoTime() < deadline) {
            int chunk = Math.max(1, (int) Math.ceil(current.size() / (double) granularity));
            boolean reduced = false;
            for (int from = 0; from < current.size() && System.nanoTime() < deadline; from += chunk) {
                List<Operator.Step> candidate = new ArrayList<>(current.subList(0, from));
                candidate.addAll(current.subList(Math.min(current.size(), from + chunk), current.size()));
                replays++;
                if (failsTheSameWay(lab, candidate, signature)) {
                    current = candidate;
                    granularity = Math.max(granularity - 1, 2);
                    reduced = true;
                    break;
                }
            }
            if (!reduced) {
                if (chunk == 1) {
                    break;
                }
                granularity = Math.min(current.size(), granularity * 2);
            }
        }
        Throwable shortest = replay(lab, current).orElse(failure);
        String message = "Operator " + which + " failed: " + firstLine(failure) + "\nReplay it alone: " + replay
                + "\n\nShortest reproduction found (" + current.size() + " of " + steps.size() + " generated steps kept, " + replays
                + " replays):\n" + ourMessage(shortest)
                + "\n\nThe sequence as generated:\n" + ourMessage(failure);
        AssertionError error = new AssertionError(message, failure);
        return error;
    }

    private static boolean failsTheSameWay(ModelLab lab, List<Operator.Step> steps, String signature) {
        return replay(lab, steps).map(f -> signature(f).equals(signature)).orElse(false);
    }

    private static Optional<Throwable> replay(ModelLab lab, List<Operator.Step> steps) {
        try {
            Operator.replay(lab, steps);
            return Optional.empty();
        } catch (AssertionError | RuntimeException failure) {
            return Optional.of(failure);
        }
    }

    /** What the failure says, without the ids, numbers and reproduction that differ from one sequence to another. */
    static String signature(Throwable failure) {
        String line = firstLine(failure);
        line = NUMBER.matcher(UUID.matcher(line).replaceAll("U")).replaceAll("N");
        return line.length() > 90 ? line.substring(0, 90) : line;
    }

    /** The test's own message (which carries the reproduction) in the failure's causes. */
    private static String ourMessage(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains("Reproduction (")) {
                return t.getMessage();
            }
        }
        return String.valueOf(failure);
    }

    private static String firstLine(Throwable failure) {
        String message = ourMessage(failure).strip();
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
