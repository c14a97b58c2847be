package dev.backfill.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The queue's rules, on batches made up in the test: what is next, what is allowed, and the way on when not. */
class BatchQueueTest {

    private static BatchView batch(int number, BatchState state, int users, int migrated) {
        return held(number, state, users, migrated, 0, 0, 0);
    }

    private static BatchView held(int number, BatchState state, int users, int migrated, int failed, int sourceChanged,
                                  int targetChanged) {
        ApprovalValidity approval = state == BatchState.APPROVED || state == BatchState.APPLYING ? ApprovalValidity.VALID
                : ApprovalValidity.NONE;
        return new BatchView(number, BigDecimal.valueOf(number), state, users, users * 10, users * 9, 0, approval,
                approval == ApprovalValidity.VALID ? "op@host" : null, null, migrated, failed, sourceChanged, targetChanged, false, "{}");
    }

    private static BatchView withApproval(BatchView b, ApprovalValidity approval) {
        return new BatchView(b.number(), b.position(), b.state(), b.users(), b.legacyRows(), b.plannedRows(), b.findings(), approval,
                b.approvedBy(), b.approvedAt(), b.usersMigrated(), b.usersFailed(), b.usersSourceChanged(), b.usersTargetChanged(),
                b.pauseRequested(), b.progressJson());
    }

    private static BatchQueue queue(BatchView... batches) {
        return new BatchQueue("p", Arrays.asList(batches));
    }

    private static BatchQueue reviewed(String reviewedChecksum, Map<Integer, Integer> stale, BatchView... batches) {
        return new BatchQueue("p", Arrays.asList(batches), new BatchQueue.Review(reviewedChecksum, "now-checksum-1234", stale));
    }

    @Test
    void afterThePlanFileChangedApproveAndApplyPointAtADryRunNotAtAnApprovalThatWouldBeRefused() {
        BatchQueue changed = reviewed("old-checksum-9876", Map.of(), batch(1, BatchState.PLANNED, 10, 0));

        assertThat(changed.approveNext(1).refusal()).startsWith("The plan file changed since the last dry run (reviewed old-checksum")
                .contains("now now-checksum");
        assertThat(changed.approveNext(1).hints()).containsExactly("backfill dry-run PLAN");
        assertThat(changed.approve(1).hints()).containsExactly("backfill dry-run PLAN");
        assertThat(changed.applyNext().refusal()).startsWith("No batch is approved, and the next, batch 1, cannot be approved now:");
        assertThat(changed.applyNext().hints()).containsExactly("backfill dry-run PLAN");
        assertThat(changed.apply(1).hints()).containsExactly("backfill dry-run PLAN");
        assertThat(changed.allows(BatchQueue.Action.APPROVE, changed.get(1).orElseThrow())).isFalse();
    }

    @Test
    void usersReviewedUnderAnEarlierPlanFileKeepTheirBatchFromApprovalUntilTheFullDryRun() {
        BatchQueue stale = reviewed("now-checksum-1234", Map.of(2, 3), batch(1, BatchState.PLANNED, 10, 0),
                batch(2, BatchState.PLANNED, 10, 0));

        assertThat(stale.approveNext(1).batch().number()).as("batch 1 was reviewed as the plan is").isEqualTo(1);
        assertThat(stale.approveNext(2).refusal()).isEqualTo("3 user(s) of batch 2 were reviewed under an earlier version of the plan"
                + " file. Run the dry run again (all users) so what you approve is what was reviewed.");
        assertThat(stale.approveNext(2).hints()).containsExactly("backfill dry-run PLAN");
    }

    @Test
    void withoutAFinishedDryRunNothingIsApproved() {
        BatchQueue none = reviewed(null, Map.of(), batch(1, BatchState.PLANNED, 10, 0));

        assertThat(none.approve(1).refusal()).isEqualTo("Plan 'p' has no finished dry run: review one before approving.");
        assertThat(none.approve(1).hints()).containsExactly("backfill dry-run PLAN");
    }

    @Test
    void applyingALaterBatchPointsAtApprovingTheNextOneFirst() {
        Decision decision = queue(batch(1, BatchState.PLANNED, 10, 0), batch(2, BatchState.PLANNED, 10, 0)).apply(2);

        assertThat(decision.allowed()).isFalse();
        assertThat(decision.refusal()).startsWith("Batch 2 is PLANNED, not approved, and it cannot be approved now: Batch 2 is not next");
        assertThat(decision.hints()).containsExactly("backfill approve PLAN --next");
    }

    @Test
    void applyingThePlannedNextBatchPointsAtApprovingItThenApplyingIt() {
        Decision decision = queue(batch(1, BatchState.APPLIED, 10, 10), batch(2, BatchState.PLANNED, 10, 0)).apply(2);

        assertThat(decision.hints()).containsExactly("backfill approve PLAN --batch 2", "backfill apply PLAN --batch 2");
    }

    @Test
    void whenEverythingIsAppliedApproveAndApplySaySo() {
        BatchQueue done = queue(batch(1, BatchState.APPLIED, 10, 10), batch(2, BatchState.APPLIED, 5, 5));

        assertThat(done.applyNext().refusal()).isEqualTo("Every batch of plan 'p' is applied; there is nothing to apply.");
        assertThat(done.approveNext(1).refusal()).isEqualTo("Every batch of plan 'p' is applied; there is nothing to approve.");
        assertThat(done.applyNext().hints()).containsExactly("backfill parity PLAN");
    }

    @Test
    void aBatchApprovedUnderAnotherPlanFileIsNotAppliedAndPointsAtANewReview() {
        BatchQueue stale = queue(withApproval(batch(1, BatchState.APPROVED, 10, 0), ApprovalValidity.PLAN_CHANGED));
        BatchQueue staleMidway = queue(withApproval(batch(1, BatchState.APPLYING, 10, 4), ApprovalValidity.PLAN_CHANGED));

        assertThat(stale.applyNext().hints()).containsExactly("backfill dry-run PLAN", "backfill approve PLAN --next");
        assertThat(staleMidway.applyNext().hints()).containsExactly("backfill dry-run PLAN", "backfill approve PLAN --batch 1");
    }

    @Test
    void aHeldBackBatchIsApprovedOnItsOwnButOnlyOnceItsChangedUsersAreReviewed() {
        BatchQueue failedOnly = queue(held(1, BatchState.HELD_BACK, 10, 9, 1, 0, 0), batch(2, BatchState.PLANNED, 10, 0));
        BatchQueue changed = queue(held(1, BatchState.HELD_BACK, 10, 9, 0, 0, 1), batch(2, BatchState.PLANNED, 10, 0));

        assertThat(failedOnly.approve(1).allowed()).isTrue();
        assertThat(failedOnly.approveNext(1).batch().number()).as("it does not hold the queue up").isEqualTo(2);
        assertThat(changed.approve(1).allowed()).isFalse();
        assertThat(changed.approve(1).hints()).containsExactly("backfill dry-run PLAN", "backfill approve PLAN --batch 1");
    }

    @Test
    void oneApprovedBatchAheadBlocksApprovingAnotherUnlessSeveralAreAskedFor() {
        BatchQueue ahead = queue(batch(1, BatchState.APPROVED, 10, 0), batch(2, BatchState.PLANNED, 10, 0),
                batch(3, BatchState.PLANNED, 10, 0));

        assertThat(ahead.approveNext(1).hints()).containsExactly("backfill apply PLAN --batch 1");
        assertThat(ahead.approveNext(2).batches()).extracting(BatchView::number).containsExactly(2, 3);
        assertThat(ahead.approve(2).hints()).containsExactly("backfill apply PLAN --batch 1");
    }

    @Test
    void applyNextResumesTheBatchLeftMidApplyFirst() {
        BatchQueue queue = queue(batch(1, BatchState.APPROVED, 10, 0), batch(2, BatchState.APPLYING, 10, 3));

        assertThat(queue.applyNext().batch().number()).isEqualTo(2);
    }

    @Test
    void onlyBatchesWithRowsInTheTargetCanBeRolledBack() {
        BatchQueue queue = queue(batch(1, BatchState.APPLIED, 10, 10), batch(2, BatchState.ROLLED_BACK, 10, 2),
                batch(3, BatchState.ROLLED_BACK, 10, 0), batch(4, BatchState.PLANNED, 10, 0));

        assertThat(List.of(1, 2, 3, 4)).map(n -> queue.rollBack(n).allowed()).containsExactly(true, true, false, false);
        assertThat(queue.rollBack(4).refusal()).contains("none of its rows are in the target");
    }

    @Test
    void sharedRowsAreAppliedBeforeAnyOtherBatch() {
        BatchQueue queue = queue(batch(0, BatchState.APPROVED, 1, 0), batch(1, BatchState.APPROVED, 10, 0));

        assertThat(queue.apply(1).refusal()).startsWith("Batch 0 (the shared rows other batches reference) is APPROVED");
        assertThat(queue.apply(1).hints()).containsExactly("backfill apply PLAN --batch 0");
    }
}
