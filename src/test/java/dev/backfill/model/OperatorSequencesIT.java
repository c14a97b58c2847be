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
import java.util.stream.IntStream;
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
 * <p>Two labs ({@link LabDemo}): the parts demo (6 users, batches of 2), whose rows reference only their
 * own user's rows, and the community demo (12 members, batches of 3), where most rows reference other
 * members' rows and wait in {@code backfill.pending_rows} until those are in the target, and rolling a
 * batch back sends the rows that reference its rows back to waiting. On the community lab the steps are
 * the same commands; its legacy edits change the body of a post or comment of a member not migrated,
 * and its live-app writes change a member's display name or a post's or comment's body, delete a follow
 * or a like, or create a member with the handle of a member not migrated (whose apply then fails: the
 * rows of others that reference theirs wait). After every step {@link CommunityOracle} checks, from the
 * legacy rows alone, that the target holds exactly the rows the migrated members can have (with the
 * live app's writes), that exactly the rest of their rows wait, and that no row references a missing
 * one; at the end, rolling every batch back restores every target table exactly, as on parts. Left out
 * there, so that the expected rows stay a function of the legacy rows: edits of a migrated member's
 * legacy rows (its waiting rows keep what apply planned), edits that change what a row references or
 * whether it can be migrated, live-app deletes of rows other rows reference, and a plan edit that
 * changes the planned rows (its plan edit renames a check).
 *
 * <p>Switches (system properties; the pom passes the first three to failsafe):
 * {@code model.tries}, the number of parts sequences (300; the profile {@code long-model} runs 10,000);
 * {@code model.community.tries}, the number of community sequences (80, so that the two labs together
 * take about three minutes; {@code long-model}: 3,000); {@code model.seed}, the seed of both
 * ({@value #DEFAULT_SEED} unless given); {@code model.only=N}, run sequence N of the seed alone (name the
 * test to run one lab's: {@code -Dit.test=OperatorSequencesIT#METHOD}); {@code model.print=true}, print
 * every sequence. A failure is shrunk by {@link Minimizer}, printed as CLI commands, and names its lab,
 * seed and sequence index so that it can be replayed alone.
 */
class OperatorSequencesIT {
    private static final int MAX_STEPS = 20;
    /** When the pom does not pass them (a run from an IDE). */
    private static final int DEFAULT_TRIES = 300;
    private static final int DEFAULT_COMMUNITY_TRIES = 80;
    private static final long DEFAULT_SEED = 20260521L;
    /** Draws of an action whose precondition does not hold before generation gives up (the full dry run always holds). */
    private static final int MAX_DRAWS = 1000;
    private static final String PARTS_TEST = "operatorSequencesKeepTheLifecycleSound";
    private static final String COMMUNITY_TEST = "sequencesWithRowsWaitingForOtherUsersKeepTheLifecycleSound";

    @Test
    void operatorSequencesKeepTheLifecycleSound() throws Exception {
        runAll(LabDemo.PARTS, PARTS_ACTIONS, PARTS_TEST, "model.tries", DEFAULT_TRIES);
    }

    @Test
    void sequencesWithRowsWaitingForOtherUsersKeepTheLifecycleSound() throws Exception {
        runAll(LabDemo.COMMUNITY, COMMUNITY_ACTIONS, COMMUNITY_TEST, "model.community.tries", DEFAULT_COMMUNITY_TRIES);
    }

    /** Runs the sequences of one lab (or the one {@code model.only} names), then prints what they exercised. */
    private static void runAll(LabDemo kind, List<Action> actions, String test, String triesProperty, int defaultTries) throws Exception {
        long seed = seed();
        long only = longProperty("model.only", -1);
        long tries = longProperty(triesProperty, defaultTries);
        Operator.STATS.clear();
        long started = System.nanoTime();
        long[] counts = new long[3];
        try (ModelLab lab = ModelLab.create(kind)) {
            long labReady = System.nanoTime();
            List<Integer> indexes = only >= 0 ? List.of(Math.toIntExact(only)) : IntStream.range(0, Math.toIntExact(tries)).boxed().toList();
            for (int index : indexes) {
                Operator operator = runSequence(lab, actions, test, seed, index);
                counts[0]++;
                counts[1] += operator.transcriptLines();
                counts[2] += operator.hintsFollowed();
            }
            System.out.printf("OperatorSequencesIT (%s): %d sequence(s) of seed %d, %d step(s), %d hint(s) followed, in %.1f s"
                    + " (and %.1f s to create the lab)%n%s", kind.scenario(), counts[0], seed, counts[1], counts[2],
                    (System.nanoTime() - labReady) / 1e9, (labReady - started) / 1e9, Operator.stats());
        }
    }

    /**
     * Generates and runs sequence {@code index} of {@code seed}: its steps, the invariants after each (and
     * after the reset), then the drive to completion and the rollback of everything. A failure is shrunk.
     */
    private static Operator runSequence(ModelLab lab, List<Action> actions, String test, long seed, int index) {
        SplittableRandom random = random(seed, index);
        Operator operator = new Operator(lab);
        String which = which(lab, seed, index);
        String replay = replay(test, seed, index);
        try {
            operator.checkInvariants();
            for (int step = 0; step < MAX_STEPS; step++) {
                Operator.Step next = nextStep(operator, actions, random, which, replay);
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
            throw Minimizer.shortest(lab, which, replay, operator.steps(), failure);
        }
        if (Boolean.getBoolean("model.print")) {
            System.out.println("Sequence " + index + " of seed " + seed + ":\n" + operator.reproduction());
        }
        return operator;
    }

    /** Names a sequence in a failure. */
    private static String which(ModelLab lab, long seed, int index) {
        return lab.kind().scenario() + " sequence " + index + " of seed " + seed;
    }

    /** The command line that runs one sequence alone. */
    private static String replay(String test, long seed, int index) {
        return "mvn -B verify -Dit.test=OperatorSequencesIT#" + test + " -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dmodel.seed="
                + seed + " -Dmodel.only=" + index;
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

    private static final Action DRY_RUN = command("dry-run", 4, op -> true, (op, r) -> new Command.DryRunAll());
    private static final Action FIRST_DRY_RUN = command("dry-run (no batch yet)", 8, op -> op.batches().isEmpty(),
            (op, r) -> new Command.DryRunAll());
    private static final Action DRY_RUN_USER = command("dry-run --user", 2, op -> true, (op, r) -> new Command.DryRunUser(pick(r, op.allUsers())));
    private static final Action FORM_BATCH = command("form-batch", 1, op -> true, OperatorSequencesIT::formBatch);
    private static final Action APPROVE_NEXT = command("approve --next", 5, op -> true,
            (op, r) -> new Command.ApproveNext(weighted(r, 4, 1) == 0 ? 1 : 2));
    private static final Action APPROVE_BATCH = command("approve --batch", 2, op -> !op.batches().isEmpty(),
            (op, r) -> new Command.ApproveBatch(pick(r, batchNumbers(op))));
    private static final Action APPLY = command("apply", 5, op -> true, (op, r) -> {
        Optional<Integer> target = applyTarget(op, r);
        return new Command.Apply(target.orElse(null), 1 + r.nextInt(2), Stop.NONE, 0);
    });
    private static final Action STOPPED_APPLY = command("apply, stopped", 3, OperatorSequencesIT::somethingToApply,
            OperatorSequencesIT::stoppedApply);
    private static final Action ROLLBACK = command("rollback", 3, op -> !op.batches().isEmpty(), (op, r) -> {
        int batch = rollbackTarget(op, r);
        return new Command.Rollback(batch, pick(r, List.of(DriftChoice.values())));
    });
    private static final Action PAUSE = command("pause", 1, op -> true, (op, r) -> new Command.Pause());
    private static final Action LIVE_DELETE_OWN = command("live delete own", 1, op -> !op.ownLiveRows().isEmpty(), (op, r) -> {
        String key = pick(r, op.ownLiveRows());
        return new Command.LiveDeleteOwn(key.substring(0, key.indexOf(':')), key.substring(key.indexOf(':') + 1));
    });
    private static final Action PLAN_EDIT = command("plan edit", 1, op -> true,
            (op, r) -> new Command.PlanEdit(1 - op.version(), op.planEdit(1 - op.version())));
    // runs the first hint of the refusal just seen: every hint must be a command that is accepted in that state
    private static final Action FOLLOW_HINT = new Action("follow the hint", 6, op -> hint(op).isPresent(),
            (op, r) -> new Operator.Step(hint(op).orElseThrow(), true));

    /** The parts lab's actions, in the order (and with the weights) that the seeds' sequences were generated with. */
    private static final List<Action> PARTS_ACTIONS = List.of(DRY_RUN, FIRST_DRY_RUN, DRY_RUN_USER, FORM_BATCH, APPROVE_NEXT, APPROVE_BATCH,
            APPLY, STOPPED_APPLY, ROLLBACK, PAUSE,
            command("legacy edit", 2, op -> true, OperatorSequencesIT::legacyEdit),
            command("live update", 3, op -> !op.writtenRows().isEmpty(), OperatorSequencesIT::liveUpdate),
            command("live delete", 2, op -> op.writtenRows().stream().anyMatch(w -> !w.table().equals("parts_v2")),
                    OperatorSequencesIT::liveDelete),
            command("live insert", 1, op -> !op.liveInsertCandidates().isEmpty(), OperatorSequencesIT::liveInsert),
            command("live insert by id", 1, op -> !op.liveIdCandidates().isEmpty(), OperatorSequencesIT::liveInsertById),
            LIVE_DELETE_OWN, PLAN_EDIT, FOLLOW_HINT);

    /** The community lab's: the same commands, with the legacy edits and live-app writes the oracle follows. */
    private static final List<Action> COMMUNITY_ACTIONS = List.of(DRY_RUN, FIRST_DRY_RUN, DRY_RUN_USER, FORM_BATCH, APPROVE_NEXT,
            APPROVE_BATCH, APPLY, STOPPED_APPLY, ROLLBACK, PAUSE,
            command("legacy edit", 2, op -> !op.membersNotMigrated().isEmpty(), OperatorSequencesIT::communityLegacyEdit),
            command("live update", 3, op -> !communityUpdatable(op).isEmpty(), OperatorSequencesIT::communityLiveUpdate),
            command("live delete", 2, op -> !communityDeletable(op).isEmpty(), (op, r) -> {
                Written row = pick(r, communityDeletable(op));
                return new Command.LiveDelete(row.table(), row.id(), op.whereKey(row.table(), row.id()));
            }),
            command("live insert member", 1, op -> !op.memberHandleCandidates().isEmpty(), OperatorSequencesIT::liveInsertMember),
            LIVE_DELETE_OWN, PLAN_EDIT, FOLLOW_HINT);

    /**
     * The next step: an action drawn by weight, drawn again while its precondition does not hold (so each
     * action that applies is chosen in proportion to its weight among those that apply), made concrete.
     */
    private static Operator.Step nextStep(Operator operator, List<Action> actions, SplittableRandom random, String which, String replay) {
        int[] weights = actions.stream().mapToInt(Action::weight).toArray();
        for (int draw = 0; draw < MAX_DRAWS; draw++) {
            Action action = actions.get(weighted(random, weights));
            if (action.precondition().test(operator)) {
                try {
                    return action.step().apply(operator, random);
                } catch (IllegalStateException | IllegalArgumentException e) {
                    throw new GenerationError("generating '" + action.name() + "' failed in " + which + ": " + e.getMessage()
                            + "\nReplay it alone: " + replay + "\n\nThe sequence so far:\n" + operator.reproduction(), e);
                }
            }
        }
        throw new GenerationError("no action applies after " + MAX_DRAWS + " draws in " + which + "\nReplay it alone: "
                + replay + "\n\nThe sequence so far:\n" + operator.reproduction(), null);
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
        return new Command.LiveDelete(row.table(), row.id(), op.whereKey(row.table(), row.id()));
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

    // ---------------------------------------------------------------- the community lab's edits and writes

    /**
     * The body of a post or a comment of a member not migrated changes (the member's review is then out of
     * date); a migrated member's rows are left alone, so the expected rows stay a function of the legacy rows.
     */
    private static Command communityLegacyEdit(Operator op, SplittableRandom random) {
        String member = pick(random, op.membersNotMigrated());
        String table = random.nextBoolean() ? "posts" : "comments";
        return new Command.LegacyEdit(member, table, pick(random, op.authoredIds(table, member)), "body", "legacy edit " + op.nextEdit());
    }

    /** Rows apply wrote that the live app may change: members, posts and comments (follows and likes carry only their keys). */
    private static List<Written> communityUpdatable(Operator op) {
        return op.writtenRows().stream().filter(w -> !w.table().equals("follows_v2") && !w.table().equals("likes_v2")).toList();
    }

    /** Rows apply wrote that the live app may delete: follows and likes, which no row references. */
    private static List<Written> communityDeletable(Operator op) {
        return op.writtenRows().stream().filter(w -> w.table().equals("follows_v2") || w.table().equals("likes_v2")).toList();
    }

    private static Command communityLiveUpdate(Operator op, SplittableRandom random) {
        int edit = op.nextEdit();
        Written row = pick(random, communityUpdatable(op));
        return new Command.LiveUpdate(row.table(), row.id(), row.table().equals("members_v2") ? "display_name" : "body",
                "changed by the live app " + edit);
    }

    private static Command liveInsertMember(Operator op, SplittableRandom random) {
        int edit = op.nextEdit();
        String id = UUID.nameUUIDFromBytes(("live-member-" + edit).getBytes(StandardCharsets.UTF_8)).toString();
        List<String> candidate = pick(random, op.memberHandleCandidates());
        return new Command.LiveInsertMember(candidate.get(0), id, candidate.get(1));
    }
}
