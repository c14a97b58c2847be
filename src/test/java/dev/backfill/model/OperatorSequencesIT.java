package dev.backfill.model;

import dev.backfill.engine.Rollback.DriftChoice;
import dev.backfill.lifecycle.BatchState;
import dev.backfill.lifecycle.BatchView;
import dev.backfill.lifecycle.UserStatus;
import dev.backfill.model.Command.Stop;
import dev.backfill.model.Operator.Written;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A model-based test of operator sequences: random sequences of full and one-user dry runs,
 * form-batch, approvals (--next, --next N, --batch), applies (to the end, stopped by Ctrl-C or 'backfill
 * pause', killed mid-chunk), rollbacks (refusing, keeping or overwriting rows the live app changed),
 * edits of legacy rows, writes of the live app (updates and deletes of migrated rows, a part with the
 * natural key of a user's planned part, a session with the id of a user's legacy session) and edits of
 * the plan file, each step a documented command run in-process through the engine's services.
 *
 * <p>Each step's outcome is predicted by {@link Operator} (refused or not, with the batch queue's
 * reason; which users apply and which are held back), refusals' first hints are followed and must be
 * accepted, and after every step the invariants of {@link Operator#checkInvariants()} hold. At the end,
 * driving the plan to completion with documented commands migrates every user whose rows allow it,
 * and rolling every batch back restores every target table exactly (plus the live app's own rows).
 *
 * <p>Generation is plain and seeded: sequence {@code i} of seed {@code s} draws from its own
 * {@link SplittableRandom} derived from {@code (s, i)}, so it is the same sequence whether it runs after
 * the others or alone. Each of its {@value #MAX_STEPS} steps draws an action by weight among those whose
 * precondition holds in the state read back, and the action picks its arguments from that state (real
 * users, batches and rows), so every step is a concrete CLI command. The sequences run one after the
 * other against one database, reset before each.
 *
 * <p>Switches (system properties; the pom passes the first two to failsafe):
 * {@code model.tries}, the number of sequences (300; the profile {@code long-model} runs 10,000);
 * {@code model.seed}, the seed ({@value #DEFAULT_SEED} unless given); {@code model.only=N}, run sequence
 * N of the seed alone; {@code model.print=true}, print every sequence. A failure is shrunk by
 * {@link Minimizer}, printed as CLI commands, and names its seed and sequence index so that it can be
 * replayed alone.
 */
class OperatorSequencesIT {
    private static final int MAX_STEPS = 20;
    /** When the pom does not pass them (a run from an IDE). */
    private static final int DEFAULT_TRIES = 300;
    private static final long DEFAULT_SEED = 20260521L;
    /** Draws of an action whose precondition does not hold before generation gives up (the full dry run always holds). */
    private static final int MAX_DRAWS = 1000;

    private static ModelLab lab;
    private static int sequences;
    private static long steps;
    private static long hints;
    private static long started;

    @BeforeAll
    static void createLab() throws Exception {
        lab = ModelLab.create();
        started = System.nanoTime();
    }

    @AfterAll
    static void closeLab() throws Exception {
        System.out.printf("OperatorSequencesIT: %d sequence(s) of seed %d, %d step(s), %d hint(s) followed, in %.1f s%n%s", sequences,
                seed(), steps, hints, (System.nanoTime() - started) / 1e9, Operator.stats());
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void operatorSequencesKeepTheLifecycleSound() {
        long seed = seed();
        long only = longProperty("model.only", -1);
        if (only >= 0) {
            runSequence(seed, Math.toIntExact(only));
            return;
        }
        long tries = longProperty("model.tries", DEFAULT_TRIES);
        for (int index = 0; index < tries; index++) {
            runSequence(seed, index);
        }
    }

    /**
     * Generates and runs sequence {@code index} of {@code seed}: its steps, the invariants after each (and
     * after the reset), then the drive to completion and the rollback of everything. A failure is shrunk.
     */
    private static void runSequence(long seed, int index) {
        SplittableRandom random = random(seed, index);
        Operator operator = new Operator(lab);
        try {
            operator.checkInvariants();
            for (int step = 0; step < MAX_STEPS; step++) {
                Operator.Step next = nextStep(operator, random, seed, index);
                if (next.hint()) {
                    operator.followHint(operator.lastRefusal().orElseThrow(), next.command());
                } else {
                    operator.execute(next.command());
                }
                operator.checkInvariants();
            }
            long start = System.nanoTime();
            operator.driveToCompletion();
            Operator.count("end: drive to completion", System.nanoTime() - start);
            start = System.nanoTime();
            operator.rollBackEverything();
            Operator.count("end: roll everything back", System.nanoTime() - start);
        } catch (GenerationError error) {
            throw error;
        } catch (AssertionError | RuntimeException failure) {
            throw Minimizer.shortest(lab, which(seed, index), replay(seed, index), operator.steps(), failure);
        }
        if (Boolean.getBoolean("model.print")) {
            System.out.println("Sequence " + index + " of seed " + seed + ":\n" + operator.reproduction());
        }
        sequences++;
        steps += operator.transcriptLines();
        hints += operator.hintsFollowed();
    }

    /** Names a sequence in a failure. */
    private static String which(long seed, int index) {
        return "sequence " + index + " of seed " + seed;
    }

    /** The command line that runs one sequence alone. */
    private static String replay(long seed, int index) {
        return "mvn -B verify -Dit.test=OperatorSequencesIT -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dmodel.seed=" + seed
                + " -Dmodel.only=" + index;
    }

    /** The random source of one sequence: a function of the seed and the sequence's index only. */
    static SplittableRandom random(long seed, int index) {
        return new SplittableRandom(mix(mix(seed) + (index + 1L) * 0x9E3779B97F4A7C15L));
    }

    /** A bijective 64-bit finalizer (splitmix64's): seeds that differ by little give unrelated streams. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static long seed() {
        return longProperty("model.seed", DEFAULT_SEED);
    }

    private static long longProperty(String name, long fallback) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + name + "=" + value + " is not a whole number", e);
        }
    }

    // ---------------------------------------------------------------- generation

    /** One kind of step: how often it is drawn, when it applies, and the concrete step it makes of the state as it is now. */
    private record Action(String name, int weight, Predicate<Operator> precondition,
                          BiFunction<Operator, SplittableRandom, Operator.Step> step) {}

    private static Action command(String name, int weight, Predicate<Operator> precondition,
                                  BiFunction<Operator, SplittableRandom, ? extends Command> command) {
        return new Action(name, weight, precondition, (op, random) -> new Operator.Step(command.apply(op, random), false));
    }

    private static final List<Action> ACTIONS = List.of(
            command("dry-run", 4, op -> true, (op, r) -> new Command.DryRunAll()),
            command("dry-run (no batch yet)", 8, op -> op.batches().isEmpty(), (op, r) -> new Command.DryRunAll()),
            command("dry-run --user", 2, op -> true, (op, r) -> new Command.DryRunUser(pick(r, op.allUsers()))),
            command("form-batch", 1, op -> true, OperatorSequencesIT::formBatch),
            command("approve --next", 5, op -> true, (op, r) -> new Command.ApproveNext(weighted(r, 4, 1) == 0 ? 1 : 2)),
            command("approve --batch", 2, op -> !op.batches().isEmpty(), (op, r) -> new Command.ApproveBatch(pick(r, batchNumbers(op)))),
            command("apply", 5, op -> true, (op, r) -> {
                Optional<Integer> target = applyTarget(op, r);
                return new Command.Apply(target.orElse(null), 1 + r.nextInt(2), Stop.NONE, 0);
            }),
            command("apply, stopped", 3, OperatorSequencesIT::somethingToApply, OperatorSequencesIT::stoppedApply),
            command("rollback", 3, op -> !op.batches().isEmpty(), (op, r) -> {
                int batch = rollbackTarget(op, r);
                return new Command.Rollback(batch, pick(r, List.of(DriftChoice.values())));
            }),
            command("pause", 1, op -> true, (op, r) -> new Command.Pause()),
            command("legacy edit", 2, op -> true, OperatorSequencesIT::legacyEdit),
            command("live update", 3, op -> !op.writtenRows().isEmpty(), OperatorSequencesIT::liveUpdate),
            command("live delete", 2, op -> op.writtenRows().stream().anyMatch(w -> !w.table().equals("parts_v2")),
                    OperatorSequencesIT::liveDelete),
            command("live insert", 1, op -> !op.liveInsertCandidates().isEmpty(), OperatorSequencesIT::liveInsert),
            command("live insert by id", 1, op -> !op.liveIdCandidates().isEmpty(), OperatorSequencesIT::liveInsertById),
            command("live delete own", 1, op -> !op.ownLiveRows().isEmpty(), (op, r) -> {
                String key = pick(r, op.ownLiveRows());
                return new Command.LiveDeleteOwn(key.substring(0, key.indexOf(':')), key.substring(key.indexOf(':') + 1));
            }),
            command("plan edit", 1, op -> true, (op, r) -> new Command.PlanEdit(1 - op.version())),
            // runs the first hint of the refusal just seen: every hint must be a command that is accepted in that state
            new Action("follow the hint", 6, op -> hint(op).isPresent(), (op, r) -> new Operator.Step(hint(op).orElseThrow(), true)));

    private static final int[] WEIGHTS = ACTIONS.stream().mapToInt(Action::weight).toArray();

    /**
     * The next step: an action drawn by weight, drawn again while its precondition does not hold (so each
     * action that applies is chosen in proportion to its weight among those that apply), made concrete.
     */
    private static Operator.Step nextStep(Operator operator, SplittableRandom random, long seed, int index) {
        for (int draw = 0; draw < MAX_DRAWS; draw++) {
            Action action = ACTIONS.get(weighted(random, WEIGHTS));
            if (action.precondition().test(operator)) {
                try {
                    return action.step().apply(operator, random);
                } catch (IllegalStateException | IllegalArgumentException e) {
                    throw new GenerationError("generating '" + action.name() + "' failed in " + which(seed, index) + ": " + e.getMessage()
                            + "\nReplay it alone: " + replay(seed, index) + "\n\nThe sequence so far:\n" + operator.reproduction(), e);
                }
            }
        }
        throw new GenerationError("no action applies after " + MAX_DRAWS + " draws in " + which(seed, index) + "\nReplay it alone: "
                + replay(seed, index) + "\n\nThe sequence so far:\n" + operator.reproduction(), null);
    }

    /** A fault of the generator itself, not of the application: reported as it is, not shrunk. */
    private static final class GenerationError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        GenerationError(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The index of a weight, drawn in proportion to it. */
    private static int weighted(SplittableRandom random, int... weights) {
        int total = 0;
        for (int weight : weights) {
            total += weight;
        }
        int draw = random.nextInt(total);
        for (int i = 0; i < weights.length; i++) {
            draw -= weights[i];
            if (draw < 0) {
                return i;
            }
        }
        throw new AssertionError("unreachable");
    }

    /** One element, each as likely. */
    private static <T> T pick(SplittableRandom random, List<T> from) {
        if (from.isEmpty()) {
            throw new IllegalStateException("nothing to pick from");
        }
        return from.get(random.nextInt(from.size()));
    }

    private static Optional<Command> hint(Operator operator) {
        return operator.lastRefusal().filter(r -> !r.hints().isEmpty()).flatMap(r -> Command.parseHint(r.hints().get(0)));
    }

    /** One or two distinct users, in partition order. */
    private static Command formBatch(Operator op, SplittableRandom random) {
        List<String> all = op.allUsers();
        int first = random.nextInt(all.size());
        List<Integer> chosen = new ArrayList<>(List.of(first));
        if (all.size() > 1 && random.nextBoolean()) {
            int second = random.nextInt(all.size() - 1);
            chosen.add(second >= first ? second + 1 : second);
        }
        return new Command.FormBatch(chosen.stream().sorted().map(all::get).toList());
    }

    private static boolean somethingToApply(Operator op) {
        return op.batches().stream().anyMatch(b -> b.state() == BatchState.APPROVED || b.state() == BatchState.APPLYING);
    }

    private static List<Integer> batchNumbers(Operator op) {
        return op.batches().stream().map(BatchView::number).toList();
    }

    /** --next (empty), or a batch: mostly one that can be applied, sometimes any. */
    private static Optional<Integer> applyTarget(Operator op, SplittableRandom random) {
        List<Integer> applicable = op.batches().stream().filter(b -> b.state() == BatchState.APPROVED || b.state() == BatchState.APPLYING)
                .map(BatchView::number).toList();
        List<Integer> all = batchNumbers(op);
        if (all.isEmpty()) {
            return Optional.empty();
        }
        if (applicable.isEmpty()) {
            return weighted(random, 3, 1) == 0 ? Optional.empty() : Optional.of(pick(random, all));
        }
        return switch (weighted(random, 3, 3, 1)) {
            case 0 -> Optional.empty();
            case 1 -> Optional.of(pick(random, applicable));
            default -> Optional.of(pick(random, all));
        };
    }

    /**
     * An apply stopped by Ctrl-C, 'backfill pause' or a kill once some users are applied: mostly one user a
     * chunk, and fewer users than the batch has to apply, so that it stops in the middle.
     */
    private static Command stoppedApply(Operator op, SplittableRandom random) {
        Optional<Integer> target = applyTarget(op, random);
        Optional<BatchView> batch = target.isPresent() ? op.batches().stream().filter(b -> b.number() == target.get()).findFirst()
                : op.batches().stream().filter(b -> b.state() == BatchState.APPLYING).findFirst()
                .or(() -> op.batches().stream().filter(b -> b.state() == BatchState.APPROVED).findFirst());
        long approved = batch.map(b -> op.users().stream().filter(u -> Objects.equals(u.batch(), b.number())
                && u.status() == UserStatus.APPROVED).count()).orElse(2L);
        int chunk = weighted(random, 3, 1) == 0 ? 1 : 2;
        Stop stop = pick(random, List.of(Stop.CTRL_C, Stop.PAUSE_COMMAND, Stop.KILL));
        int after = 1 + random.nextInt((int) Math.max(1, approved - 1));
        return new Command.Apply(target.orElse(null), chunk, stop, after);
    }

    /** Mostly a batch with rows in the target, sometimes any. */
    private static int rollbackTarget(Operator op, SplittableRandom random) {
        List<Integer> written = op.batches().stream().filter(b -> b.usersMigrated() > 0 || b.state() == BatchState.APPLYING)
                .map(BatchView::number).toList();
        if (written.isEmpty()) {
            return pick(random, batchNumbers(op));
        }
        return weighted(random, 4, 1) == 0 ? pick(random, written) : pick(random, batchNumbers(op));
    }

    /** A session's summary changes, or a part loses its name (its rows and the relationships to it are then skipped). */
    private static Command legacyEdit(Operator op, SplittableRandom random) {
        String user = pick(random, op.allUsers());
        boolean summary = random.nextBoolean();
        List<String> parts = op.legacyIds("parts", "name", user);
        int edit = op.nextEdit();
        if (summary || parts.isEmpty()) {
            String id = pick(random, op.legacyIds("sessions", "id", user));
            return new Command.LegacyEdit(user, "sessions", id, "summary", "legacy edit " + edit);
        }
        return new Command.LegacyEdit(user, "parts", pick(random, parts), "name", null);
    }

    private static Command liveUpdate(Operator op, SplittableRandom random) {
        int edit = op.nextEdit();
        Written row = pick(random, op.writtenRows());
        return new Command.LiveUpdate(row.table(), row.id(), switch (row.table()) {
            case "parts_v2" -> "status";
            case "sessions_v2" -> "summary";
            default -> "description";
        }, "changed by the live app " + edit);
    }

    private static Command liveDelete(Operator op, SplittableRandom random) {
        List<Written> leaves = op.writtenRows().stream().filter(w -> !w.table().equals("parts_v2")).toList();
        Written row = pick(random, leaves);
        return new Command.LiveDelete(row.table(), row.id());
    }

    private static Command liveInsertById(Operator op, SplittableRandom random) {
        int edit = op.nextEdit();
        String startedAt = OffsetDateTime.parse("2031-01-01T00:00:00Z").plusMinutes(edit).toString();
        List<String> candidate = pick(random, op.liveIdCandidates());
        return new Command.LiveInsertById(candidate.get(0), candidate.get(1), startedAt);
    }

    private static Command liveInsert(Operator op, SplittableRandom random) {
        int edit = op.nextEdit();
        String id = UUID.nameUUIDFromBytes(("live-" + edit).getBytes(StandardCharsets.UTF_8)).toString();
        List<String> candidate = pick(random, op.liveInsertCandidates());
        return new Command.LiveInsert(candidate.get(0), id, candidate.get(1));
    }
}
