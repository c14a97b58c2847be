package dev.backfill.lifecycle;

/** What moves a batch from one state to another; {@link BatchState#after} says where each leads. */
public enum BatchEvent {
    /** An operator approves the batch's users not migrated yet. */
    APPROVE("approve"),
    /** Apply starts, or resumes after a pause, a crash or a kill. */
    START_APPLY("apply"),
    /** Apply stops after the users being written (pause, Ctrl-C, lost lock); resumable. */
    PAUSE_APPLY("apply (paused)"),
    /** Apply went through every approved user and each one is migrated. */
    FINISH_ALL_MIGRATED("apply (every user migrated)"),
    /** Apply went through every approved user and some were held back (failed, source or target changed). */
    FINISH_SOME_HELD_BACK("apply (users held back)"),
    /** A full dry run reviewed the users again, so the approval no longer covers what will be applied. */
    REVIEW_AGAIN("dry-run"),
    /** Held-back users left the batch (gone from the source or moved to another batch): every user left is migrated. */
    LAST_USERS_SETTLED("dry-run / form-batch"),
    /** Rolled back: every migrated user's rows are deleted or restored, some users may be kept (drifted rows). */
    ROLL_BACK("rollback");

    private final String command;

    BatchEvent(String command) {
        this.command = command;
    }

    /** The command that causes it, as the operations guide names it. */
    public String command() {
        return command;
    }
}
