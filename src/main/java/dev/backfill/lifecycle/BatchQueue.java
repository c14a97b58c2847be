package dev.backfill.lifecycle;

import dev.backfill.errors.InvalidInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The rules of the batch queue, in one place: which batch is next to approve and to apply, and
 * whether a command is allowed on a batch, with the reason and the way on when it is not. The CLI,
 * the engine and the workbench's buttons all ask this; it reads nothing but the batches it is given.
 */
public final class BatchQueue {
    /** What an operator can do to a batch. */
    public enum Action { APPROVE, APPLY, PAUSE, ROLL_BACK }

    private static final String PARITY = "backfill parity PLAN";
    private static final String DRY_RUN = "backfill dry-run PLAN";
    private static final String APPROVE_NEXT = "backfill approve PLAN --next";

    /**
     * What the reviews were made under: the plan checksum of the latest finished dry run (null: none), the
     * plan file's checksum now, and per batch its users not migrated whose review was under another checksum.
     * An approval covers only what was reviewed under the plan as it is now.
     */
    public record Review(String reviewedChecksum, String planChecksum, Map<Integer, Integer> usersReviewedUnderOtherPlan) {
        /** Everything reviewed under the plan as it is (for queues built from batches alone). */
        public static final Review CURRENT = new Review("", "", Map.of());

        public Review {
            usersReviewedUnderOtherPlan = Map.copyOf(usersReviewedUnderOtherPlan);
        }

        boolean planReviewed() {
            return planChecksum.equals(reviewedChecksum);
        }

        int stale(BatchView batch) {
            return usersReviewedUnderOtherPlan.getOrDefault(batch.number(), 0);
        }
    }

    private final String plan;
    private final List<BatchView> batches;
    private final Review review;

    /** {@code batches}: the plan's queue in order (position, then number), everything reviewed under the plan as it is. */
    public BatchQueue(String plan, List<BatchView> batches) {
        this(plan, batches, Review.CURRENT);
    }

    public BatchQueue(String plan, List<BatchView> batches, Review review) {
        this.plan = plan;
        this.batches = List.copyOf(batches);
        this.review = review;
    }

    public List<BatchView> batches() {
        return batches;
    }

    public Optional<BatchView> get(int number) {
        return batches.stream().filter(b -> b.number() == number).findFirst();
    }

    /** True when there are batches and every one is applied. */
    public boolean everythingApplied() {
        return !batches.isEmpty() && batches.stream().allMatch(b -> b.state() == BatchState.APPLIED);
    }

    /** The next new batch to approve (planned, or rolled back with users to apply again), in queue order. */
    public Optional<BatchView> nextToApprove() {
        return batches.stream().filter(BatchQueue::isCandidate).findFirst();
    }

    /** The batch apply --next takes: the one left mid-apply, else the first approved one. */
    public Optional<BatchView> nextToApply() {
        return batches.stream().filter(b -> b.state() == BatchState.APPLYING).findFirst()
                .or(() -> batches.stream().filter(b -> b.state() == BatchState.APPROVED).findFirst());
    }

    private static boolean isCandidate(BatchView b) {
        return (b.state() == BatchState.PLANNED || b.state() == BatchState.ROLLED_BACK) && b.usersPending() > 0;
    }

    private Optional<BatchView> approvedAhead(int except) {
        return batches.stream().filter(b -> b.number() != except
                && (b.state() == BatchState.APPROVED || b.state() == BatchState.APPLYING)).findFirst();
    }

    private Optional<BatchView> heldBack() {
        return batches.stream().filter(b -> b.state() == BatchState.HELD_BACK && b.usersPending() > 0).findFirst();
    }

    /** Whether the workbench enables an action on this batch. */
    public boolean allows(Action action, BatchView batch) {
        return switch (action) {
            case APPROVE -> approve(batch.number()).allowed();
            case APPLY -> apply(batch.number()).allowed();
            case ROLL_BACK -> rollBack(batch.number()).allowed();
            case PAUSE -> batch.state() == BatchState.APPLYING;
        };
    }

    public Decision approveNext(int count) {
        if (count < 1) {
            throw new InvalidInputException("Approve at least 1 batch, not " + count + ".");
        }
        if (batches.isEmpty()) {
            return Decision.refuse("Plan '" + plan + "' has no batches yet: the dry run forms them.", DRY_RUN);
        }
        if (everythingApplied()) {
            return Decision.refuse("Every batch of plan '" + plan + "' is applied; there is nothing to approve.", PARITY);
        }
        Optional<BatchView> ahead = approvedAhead(-1);
        if (count == 1 && ahead.isPresent()) {
            return aheadRefusal(ahead.get());
        }
        List<BatchView> candidates = batches.stream().filter(BatchQueue::isCandidate).toList();
        if (candidates.isEmpty()) {
            Optional<BatchView> held = heldBack();
            if (held.isPresent()) {
                Decision again = approve(held.get().number());
                return again.allowed()
                        ? Decision.refuse("No new batch awaits approval. " + heldBackSentence(held.get()), approveHeldBackHints(held.get()))
                        : Decision.refuse("No new batch awaits approval. " + again.refusal(), again.hints());
            }
            return ahead.map(this::aheadRefusal).orElseGet(() ->
                    Decision.refuse("No batch awaits approval: every batch is approved, applying or applied.", "backfill batches PLAN"));
        }
        List<BatchView> chosen = candidates.subList(0, Math.min(count, candidates.size()));
        for (BatchView batch : chosen) {
            Optional<Decision> unreviewed = unreviewed(batch);
            if (unreviewed.isPresent()) {
                return unreviewed.get();
            }
        }
        return Decision.allow(chosen);
    }

    /**
     * The refusal when what an approval of the batch would cover was not reviewed under the plan as it
     * is now, or when users of it changed after their review; empty when it was.
     */
    private Optional<Decision> unreviewed(BatchView batch) {
        if (review.reviewedChecksum() == null) {
            return Optional.of(Decision.refuse("Plan '" + plan + "' has no finished dry run: review one before approving.", DRY_RUN));
        }
        if (!review.planReviewed()) {
            return Optional.of(Decision.refuse("The plan file changed since the last dry run (reviewed " + shortSum(review.reviewedChecksum())
                    + ", now " + shortSum(review.planChecksum()) + "). Run the dry run again, so what you approve is what was reviewed.",
                    DRY_RUN));
        }
        if (review.stale(batch) > 0) {
            return Optional.of(Decision.refuse(review.stale(batch) + " user(s) of batch " + batch.number() + " were reviewed under an"
                    + " earlier version of the plan file. Run the dry run again (all users) so what you approve is what was reviewed.",
                    DRY_RUN));
        }
        if (batch.usersToReview() > 0) {
            return Optional.of(Decision.refuse("Batch " + batch.number() + " holds " + batch.usersToReview() + " user(s) whose legacy"
                    + " or target rows changed after their review ('backfill batches PLAN --batch " + batch.number() + "' lists them);"
                    + " review them again before approving.", approveHeldBackHints(batch)));
        }
        return Optional.empty();
    }

    private static String shortSum(String checksum) {
        return checksum.substring(0, Math.min(12, checksum.length()));
    }

    public Decision approve(int number) {
        BatchView batch = require(number);
        switch (batch.state()) {
            case APPROVED:
                return batch.approval() == ApprovalValidity.VALID
                        ? Decision.refuse("Batch " + number + " is already approved (by " + batch.approvedBy() + " at "
                                + batch.approvedAt() + ").", applyHints(number))
                        : Decision.refuse("Batch " + number + " was approved under another version of the plan file; review the"
                                + " plan as it is now first.", DRY_RUN);
            case APPLYING:
                return Decision.refuse("Batch " + number + " is being applied, or was paused or interrupted mid-apply; apply it again"
                        + " to finish it.", applyHints(number));
            case APPLIED: {
                // the way on is what 'approve --next' does now, which a batch approved ahead refuses too
                Decision next = approveNext(1);
                String applied = "Batch " + number + " is applied: every user of it is migrated.";
                return next.allowed() ? Decision.refuse(applied + " The next batch to approve is " + next.batch().number() + ".", APPROVE_NEXT)
                        : Decision.refuse(applied + " " + next.refusal(), next.hints());
            }
            case HELD_BACK:
                // users held back after an apply are approved again on their own, whatever comes next in the queue,
                // once those whose rows changed are reviewed again
                return unreviewed(batch).orElseGet(() -> Decision.allow(batch));
            case PLANNED:
            case ROLLED_BACK:
            default:
                break;
        }
        if (batch.usersPending() == 0) {
            return Decision.refuse("Batch " + number + " is " + batch.state() + " with every user migrated (kept when it was rolled"
                    + " back); there is nothing to approve.", "backfill rollback PLAN --batch " + number);
        }
        Optional<BatchView> ahead = approvedAhead(number);
        if (ahead.isPresent()) {
            return aheadRefusal(ahead.get());
        }
        BatchView next = nextToApprove().orElseThrow();
        if (next.number() != number) {
            return Decision.refuse("Batch " + number + " is not next: batches are approved in queue order, and the next is batch "
                    + next.number() + ". To try some users first, form a batch of them ('backfill form-batch PLAN --users ...').",
                    approveNext(1).allowed() ? List.of(APPROVE_NEXT) : approveNext(1).hints());
        }
        return unreviewed(batch).orElseGet(() -> Decision.allow(batch));
    }

    public Decision applyNext() {
        Optional<BatchView> next = nextToApply();
        if (next.isPresent()) {
            return apply(next.get().number());
        }
        if (batches.isEmpty()) {
            return Decision.refuse("Plan '" + plan + "' has no batches yet: the dry run forms them.", DRY_RUN);
        }
        if (everythingApplied()) {
            return Decision.refuse("Every batch of plan '" + plan + "' is applied; there is nothing to apply.", PARITY);
        }
        Optional<BatchView> approvable = nextToApprove();
        if (approvable.isPresent()) {
            Decision approve = approveNext(1);
            return approve.allowed() ? Decision.refuse("No batch is approved. The next to approve is batch " + approvable.get().number()
                    + ".", APPROVE_NEXT, "backfill apply PLAN --batch " + approvable.get().number())
                    : Decision.refuse("No batch is approved, and the next, batch " + approvable.get().number() + ", cannot be approved"
                    + " now: " + approve.refusal(), approve.hints());
        }
        Optional<BatchView> held = heldBack();
        if (held.isPresent()) {
            Decision approve = approve(held.get().number());
            if (!approve.allowed()) {
                return Decision.refuse("No batch is approved. " + approve.refusal(), approve.hints());
            }
            List<String> hints = new ArrayList<>(approveHeldBackHints(held.get()));
            hints.add("backfill apply PLAN --batch " + held.get().number());
            return Decision.refuse("No batch is approved. " + heldBackSentence(held.get()), hints);
        }
        return Decision.refuse("No batch is approved and none awaits approval.", "backfill batches PLAN");
    }

    /** Apply of one batch; an applied batch is allowed (apply then has nothing to do). */
    public Decision apply(int number) {
        BatchView batch = require(number);
        if (batch.state() == BatchState.APPLIED) {
            return Decision.allow(batch);
        }
        if (batch.state() != BatchState.APPROVED && batch.state() != BatchState.APPLYING) {
            Decision approval = approve(number);
            if (approval.allowed()) {
                return Decision.refuse("Batch " + number + " is " + batch.state() + ", not approved.",
                        "backfill approve PLAN --batch " + number, "backfill apply PLAN --batch " + number);
            }
            return Decision.refuse("Batch " + number + " is " + batch.state() + ", not approved, and it cannot be approved now: "
                    + approval.refusal(), approval.hints());
        }
        if (batch.approval() != ApprovalValidity.VALID) {
            String approve = batch.usersMigrated() == 0 ? APPROVE_NEXT : "backfill approve PLAN --batch " + number;
            return Decision.refuse("Batch " + number + " was approved under another version of the plan file: what would be"
                    + " applied is not what was reviewed. Run the dry run again and approve what it shows.", DRY_RUN, approve);
        }
        if (number != 0) {
            Optional<BatchView> shared = get(0);
            if (shared.isPresent() && shared.get().state() != BatchState.APPLIED) {
                Decision first = apply(0);
                List<String> hints = first.allowed() ? List.of("backfill apply PLAN --batch 0") : first.hints();
                return Decision.refuse("Batch 0 (the shared rows other batches reference) is " + shared.get().state()
                        + "; it is applied before batch " + number + ".", hints);
            }
        }
        return Decision.allow(batch);
    }

    public Decision rollBack(int number) {
        BatchView batch = require(number);
        boolean written = switch (batch.state()) {
            case APPLYING, APPLIED, HELD_BACK -> true;
            case ROLLED_BACK -> batch.usersMigrated() > 0;
            default -> false;
        };
        if (!written) {
            return Decision.refuse("Batch " + number + " is " + batch.state() + (batch.state() == BatchState.ROLLED_BACK
                    ? " with no user kept" : "") + ": none of its rows are in the target, so there is nothing to roll back.");
        }
        return Decision.allow(batch);
    }

    /** The batch a pause applies to: the one being applied. */
    public Decision pause() {
        return batches.stream().filter(b -> b.state() == BatchState.APPLYING).findFirst().map(Decision::allow)
                .orElseGet(() -> Decision.refuse("No batch of plan '" + plan + "' is being applied; there is nothing to pause."));
    }

    private Decision aheadRefusal(BatchView ahead) {
        String what = ahead.state() == BatchState.APPLYING ? " is being applied or was left mid-apply" : " is approved and not applied yet";
        return Decision.refuse("Batch " + ahead.number() + what + ". Apply it first, or approve several batches ahead on purpose"
                + " with '--next N' (N > 1).", applyHints(ahead.number()));
    }

    /**
     * The way on through 'apply --batch N' for a batch approved or mid-apply: that command when apply
     * accepts it now, else the way on apply's own refusal names (an approval under another plan version).
     */
    public List<String> applyHints(int number) {
        Decision apply = apply(number);
        return apply.allowed() ? List.of("backfill apply PLAN --batch " + number) : apply.hints();
    }

    private static String heldBackSentence(BatchView held) {
        String why = held.usersHeldBack() == 0 ? " (reviewed again since)" : " (" + held.usersFailed() + " failed, "
                + held.usersSourceChanged() + " with changed legacy rows, " + held.usersTargetChanged() + " with changed target rows)";
        return "Batch " + held.number() + " holds " + held.usersPending() + " user(s) back" + why + "; it is approved again on its own"
                + (held.usersToReview() > 0 ? ", once the changed users are reviewed again." : ".");
    }

    private static List<String> approveHeldBackHints(BatchView held) {
        List<String> hints = new ArrayList<>();
        if (held.usersToReview() > 0) {
            hints.add(DRY_RUN);
        }
        hints.add("backfill approve PLAN --batch " + held.number());
        return hints;
    }

    private BatchView require(int number) {
        return get(number).orElseThrow(() -> new InvalidInputException("Plan '" + plan + "' has no batch " + number + ".",
                List.of("backfill batches PLAN --all")));
    }
}
