package dev.backfill.source;

/** Reading the legacy data failed; the message names the source, table or file, and what to check. */
public final class SourceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SourceException(String message, Throwable cause) {
        super(message, cause);
    }
}
