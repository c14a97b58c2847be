package dev.backfill.model;

import dev.backfill.engine.Rollback.DriftChoice;
import dev.backfill.errors.BackfillException;
import dev.backfill.lifecycle.BatchState;
import dev.backfill.lifecycle.BatchView;
import dev.backfill.model.Command.Stop;
import dev.backfill.model.Operator.Written;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.Transformer;

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
 * <p>The seed is fixed; the number of sequences is jqwik's {@code jqwik.tries.default}, which the pom
 * sets from {@code model.tries} (300; the profile {@code long-model} runs 10,000). A failure is shrunk
 * by {@link Minimizer} and printed as CLI commands; {@code -Dmodel.print=true} prints every sequence.
 */
class OperatorSequencesIT {
    private static final int MAX_STEPS = 20;
    private static ModelLab lab;
    private static int sequences;
    private static long steps;
    private static long hints;
    private static long started;

    @BeforeContainer
    static void createLab() throws Exception {
        lab = ModelLab.create();
        started = System.nanoTime();
    }

    @AfterContainer
    static void closeLab() throws Exception {
        System.out.printf("OperatorSequencesIT: %d sequence(s), %d step(s), %d hint(s) followed, in %.1f s%n%s", sequences, steps, hints,
                (System.nanoTime() - started) / 1e9, Operator.stats());
        if (lab != null) {
            lab.close();
        }
    }

    /**
     * jqwik's own shrinking is off: it shrinks a chain by regenerating dependent actions, which here
     * rarely keeps the failure, and each try costs a database reset. {@link Minimizer} instead drops
     * steps from the failing sequence's concrete commands while the same failure remains.
     */
    @Property(seed = "20260521", shrinking = ShrinkingMode.OFF)
    void operatorSequencesKeepTheLifecycleSound(@ForAll("sequences") ActionChain<Operator> chain) {
        Operator operator;
        try {
            operator = chain.withInvariant("control schema and target", Operator::checkInvariants).run();
            long start = System.nanoTime();
            operator.driveToCompletion();
            Operator.count("end: drive to completion", System.nanoTime() - start);
            start = System.nanoTime();
            operator.rollBackEverything();
            Operator.count("end: roll everything back", System.nanoTime() - start);
        } catch (AssertionError | RuntimeException failure) {
            throw Minimizer.shortest(lab, Operator.current().steps(), failure);
        }
        if (Boolean.getBoolean("model.print")) {
            System.out.println(operator.reproduction());
        }
        sequences++;
        steps += operator.transcriptLines();
        hints += operator.hintsFollowed();
    }

    @Provide
    Arbitrary<ActionChain<Operator>> sequences() {
        return ActionChain.startWith(() -> new Operator(lab))
                .withAction(4, step(op -> true, op -> Arbitraries.just(new Command.DryRunAll())))
                .withAction(8, step(op -> op.batches().isEmpty(), op -> Arbitraries.just(new Command.DryRunAll())))
                .withAction(2, step(op -> true, op -> Arbitraries.of(op.allUsers()).map(Command.DryRunUser::new)))
                .withAction(1, step(op -> true, op -> Arbitraries.subsetOf(op.allUsers()).ofMinSize(1).ofMaxSize(2)
                        .map(users -> new Command.FormBatch(users.stream().sorted(Comparator.comparing(op.allUsers()::indexOf)).toList()))))
                .withAction(5, step(op -> true, op -> Arbitraries.frequency(Tuple(4, 1), Tuple(1, 2)).map(Command.ApproveNext::new)))
                .withAction(2, step(op -> !op.batches().isEmpty(), op -> batchNumbers(op).map(Command.ApproveBatch::new)))
                .withAction(5, step(op -> true, op -> Combinators.combine(applyTargets(op), Arbitraries.of(1, 2))
                        .as((batch, chunk) -> new Command.Apply(batch.orElse(null), chunk, Stop.NONE, 0))))
                .withAction(3, step(OperatorSequencesIT::somethingToApply, OperatorSequencesIT::stoppedApply))
                .withAction(3, step(op -> !op.batches().isEmpty(), op -> Combinators.combine(rollbackTargets(op),
                        Arbitraries.of(DriftChoice.values())).as(Command.Rollback::new)))
                .withAction(1, step(op -> true, op -> Arbitraries.just(new Command.Pause())))
                .withAction(2, step(op -> true, OperatorSequencesIT::legacyEdit))
                .withAction(3, step(op -> !op.writtenRows().isEmpty(), OperatorSequencesIT::liveUpdate))
                .withAction(2, step(op -> op.writtenRows().stream().anyMatch(w -> !w.table().equals("parts_v2")), OperatorSequencesIT::liveDelete))
                .withAction(1, step(op -> !op.liveInsertCandidates().isEmpty(), OperatorSequencesIT::liveInsert))
                .withAction(1, step(op -> !op.liveIdCandidates().isEmpty(), OperatorSequencesIT::liveInsertById))
                .withAction(1, step(op -> !op.ownLiveRows().isEmpty(), op -> Arbitraries.of(op.ownLiveRows())
                        .map(key -> new Command.LiveDeleteOwn(key.substring(0, key.indexOf(':')), key.substring(key.indexOf(':') + 1)))))
                .withAction(1, step(op -> true, op -> Arbitraries.just(new Command.PlanEdit(1 - op.version()))))
                .withAction(6, new FollowHint())
                .withMaxTransformations(MAX_STEPS);
    }

    private static net.jqwik.api.Tuple.Tuple2<Integer, Integer> Tuple(int weight, int count) {
        return net.jqwik.api.Tuple.of(weight, count);
    }

    /** An action that is a command, chosen from the state as it is now (so its CLI line names real batches and rows). */
    private static Action.Dependent<Operator> step(Predicate<Operator> precondition, Function<Operator, Arbitrary<? extends Command>> commands) {
        return new Action.Dependent<>() {
            @Override
            public boolean precondition(Operator operator) {
                return precondition.test(operator);
            }

            @Override
            public Arbitrary<Transformer<Operator>> transformer(Operator operator) {
                return commands.apply(operator).map(command -> Transformer.mutate(command.cli(), op -> op.execute(command)));
            }
        };
    }

    /** Runs the first hint of the refusal just seen: every hint must be a command that is accepted in that state. */
    private static final class FollowHint implements Action.Dependent<Operator> {
        @Override
        public boolean precondition(Operator operator) {
            return hint(operator).isPresent();
        }

        private static Optional<Command> hint(Operator operator) {
            return operator.lastRefusal().filter(r -> !r.hints().isEmpty()).flatMap(r -> Command.parseHint(r.hints().get(0)));
        }

        @Override
        public Arbitrary<Transformer<Operator>> transformer(Operator operator) {
            BackfillException refusal = operator.lastRefusal().orElseThrow();
            Command hint = hint(operator).orElseThrow();
            return Arbitraries.just(Transformer.mutate(hint.cli() + "   # the first hint of the refusal", op -> op.followHint(refusal, hint)));
        }
    }

    private static boolean somethingToApply(Operator op) {
        return op.batches().stream().anyMatch(b -> b.state() == BatchState.APPROVED || b.state() == BatchState.APPLYING);
    }

    private static Arbitrary<Integer> batchNumbers(Operator op) {
        List<Integer> numbers = new ArrayList<>(op.batches().stream().map(BatchView::number).toList());
        return Arbitraries.of(numbers);
    }

    /** --next, or a batch: mostly one that can be applied, sometimes any. */
    private static Arbitrary<Optional<Integer>> applyTargets(Operator op) {
        List<Integer> applicable = op.batches().stream().filter(b -> b.state() == BatchState.APPROVED || b.state() == BatchState.APPLYING)
                .map(BatchView::number).toList();
        List<Integer> all = op.batches().stream().map(BatchView::number).toList();
        Arbitrary<Optional<Integer>> next = Arbitraries.just(Optional.empty());
        if (all.isEmpty()) {
            return next;
        }
        Arbitrary<Optional<Integer>> any = Arbitraries.of(all).map(Optional::of);
        if (applicable.isEmpty()) {
            return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, next), net.jqwik.api.Tuple.of(1, any));
        }
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, next), net.jqwik.api.Tuple.of(3, Arbitraries.of(applicable).map(Optional::of)),
                net.jqwik.api.Tuple.of(1, any));
    }

    /**
     * An apply stopped by Ctrl-C, 'backfill pause' or a kill once some users are applied: mostly one user a
     * chunk, and fewer users than the batch has to apply, so that it stops in the middle.
     */
    private static Arbitrary<Command> stoppedApply(Operator op) {
        return applyTargets(op).flatMap(target -> {
            Optional<BatchView> batch = target.isPresent() ? op.batches().stream().filter(b -> b.number() == target.get()).findFirst()
                    : op.batches().stream().filter(b -> b.state() == BatchState.APPLYING).findFirst()
                    .or(() -> op.batches().stream().filter(b -> b.state() == BatchState.APPROVED).findFirst());
            long approved = batch.map(b -> op.users().stream().filter(u -> java.util.Objects.equals(u.batch(), b.number())
                    && u.status() == dev.backfill.lifecycle.UserStatus.APPROVED).count()).orElse(2L);
            return Combinators.combine(Arbitraries.frequency(Tuple(3, 1), Tuple(1, 2)),
                    Arbitraries.of(Stop.CTRL_C, Stop.PAUSE_COMMAND, Stop.KILL), Arbitraries.integers().between(1, (int) Math.max(1, approved - 1)))
                    .as((chunk, stop, after) -> new Command.Apply(target.orElse(null), chunk, stop, after));
        });
    }

    /** Mostly a batch with rows in the target, sometimes any. */
    private static Arbitrary<Integer> rollbackTargets(Operator op) {
        List<Integer> written = op.batches().stream().filter(b -> b.usersMigrated() > 0 || b.state() == BatchState.APPLYING)
                .map(BatchView::number).toList();
        return written.isEmpty() ? batchNumbers(op) : Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(4, Arbitraries.of(written)),
                net.jqwik.api.Tuple.of(1, batchNumbers(op)));
    }

    /** A session's summary changes, or a part loses its name (its rows and the relationships to it are then skipped). */
    private static Arbitrary<Command> legacyEdit(Operator op) {
        return Arbitraries.of(op.allUsers()).flatMap(user -> Arbitraries.of(true, false).flatMap(summary -> {
            List<String> parts = op.legacyIds("parts", "name", user);
            int edit = op.nextEdit();
            if (summary || parts.isEmpty()) {
                return Arbitraries.of(op.legacyIds("sessions", "id", user))
                        .map(id -> new Command.LegacyEdit(user, "sessions", id, "summary", "legacy edit " + edit));
            }
            return Arbitraries.of(parts).map(id -> new Command.LegacyEdit(user, "parts", id, "name", null));
        }));
    }

    private static Arbitrary<Command> liveUpdate(Operator op) {
        int edit = op.nextEdit();
        return Arbitraries.of(op.writtenRows()).map(row -> new Command.LiveUpdate(row.table(), row.id(), switch (row.table()) {
            case "parts_v2" -> "status";
            case "sessions_v2" -> "summary";
            default -> "description";
        }, "changed by the live app " + edit));
    }

    private static Arbitrary<Command> liveDelete(Operator op) {
        List<Written> leaves = op.writtenRows().stream().filter(w -> !w.table().equals("parts_v2")).toList();
        return Arbitraries.of(leaves).map(row -> new Command.LiveDelete(row.table(), row.id()));
    }

    private static Arbitrary<Command> liveInsertById(Operator op) {
        int edit = op.nextEdit();
        String startedAt = java.time.OffsetDateTime.parse("2031-01-01T00:00:00Z").plusMinutes(edit).toString();
        return Arbitraries.of(op.liveIdCandidates()).map(c -> new Command.LiveInsertById(c.get(0), c.get(1), startedAt));
    }

    private static Arbitrary<Command> liveInsert(Operator op) {
        int edit = op.nextEdit();
        String id = java.util.UUID.nameUUIDFromBytes(("live-" + edit).getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString();
        return Arbitraries.of(op.liveInsertCandidates()).map(c -> new Command.LiveInsert(c.get(0), id, c.get(1)));
    }
}
