package dev.backfill.engine;

/** Receives apply's per-user outcomes as they happen (the workbench's live log). */
public interface ApplyListener extends ProgressListener {
    ApplyListener NONE = new ApplyListener() {
        @Override
        public void onProgress(Progress progress) {
        }

        @Override
        public void onUser(String user, Outcome outcome, int rows, String message) {
        }
    };

    /** Passes progress on and ignores per-user outcomes. */
    static ApplyListener progressOnly(ProgressListener progress) {
        return new ApplyListener() {
            @Override
            public void onProgress(Progress p) {
                progress.onProgress(p);
            }

            @Override
            public void onUser(String user, Outcome outcome, int rows, String message) {
            }
        };
    }

    /** This listener, told one thing at a time: apply's writers run on several threads at once. */
    static ApplyListener serial(ApplyListener listener) {
        if (listener == NONE) {
            return listener;
        }
        return new ApplyListener() {
            @Override
            public synchronized void onProgress(Progress progress) {
                listener.onProgress(progress);
            }

            @Override
            public synchronized void onUser(String user, Outcome outcome, int rows, String message) {
                listener.onUser(user, outcome, rows, message);
            }

            @Override
            public synchronized void onNote(String message) {
                listener.onNote(message);
            }

            @Override
            public synchronized void onWarning(String message) {
                listener.onWarning(message);
            }
        };
    }

    enum Outcome { APPLIED, FAILED, SOURCE_CHANGED, TARGET_CHANGED }

    void onUser(String user, Outcome outcome, int rows, String message);

    /** A note for the operator (a retry, a pause); default: ignored. */
    default void onNote(String message) {
    }

    /** Something the operator has to act on that failed no user of this run (a released row the target refused). */
    default void onWarning(String message) {
        onNote(message);
    }
}
