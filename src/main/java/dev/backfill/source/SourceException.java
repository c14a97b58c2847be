package dev.backfill.source;

/** Reading the legacy data failed; the message names the source, table or file, and what to check. */
public final class SourceException extends dev.backfill.errors.FailedException {
    private static final long serialVersionUID = 1L;

    public SourceException(String message, Throwable cause) {
        super(message, cause);
    }
}
