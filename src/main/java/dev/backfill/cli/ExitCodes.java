package dev.backfill.cli;

/** What every command's exit status means (also in the README and each --help). */
public final class ExitCodes {
    /** Done; nothing needs a look. */
    public static final int OK = 0;
    /** Done, and there is something to review: findings in a dry run, users that failed, parity mismatches. */
    public static final int FINDINGS = 1;
    /** The plan file is invalid, or the command line is wrong. Nothing was touched. */
    public static final int BAD_PLAN = 2;
    /** A database or file the plan names cannot be reached. Nothing was touched. */
    public static final int CANNOT_CONNECT = 3;
    /** Refused: the plan is busy elsewhere, or the batch is not in a state that allows this. Nothing was touched. */
    public static final int REFUSED = 4;
    /** Failed while running; the message says what and where. Committed users stay committed. */
    public static final int FAILED = 5;

    public static final String HELP = "%nExit codes: 0 ok; 1 findings, failures or mismatches to review; 2 invalid plan or"
            + " command line; 3 cannot connect; 4 refused (busy, or wrong batch state); 5 failed.";

    private ExitCodes() {}
}
