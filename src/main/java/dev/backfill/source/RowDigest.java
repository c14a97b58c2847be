package dev.backfill.source;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/** Collects one user's rows of a stream with the digest of their raw text. */
public final class RowDigest {
    private final MessageDigest sha;
    private final List<ObjectNode> rows = new ArrayList<>();

    public RowDigest() {
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Adds a row and the exact text the source gave for it. */
    public void add(ObjectNode row, String rawText) {
        rows.add(row);
        sha.update(rawText.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) '\n');
    }

    /** Adds a row and the exact bytes the source gave for it (e.g. one line of a file). */
    public void add(ObjectNode row, byte[] raw, int offset, int length) {
        rows.add(row);
        sha.update(raw, offset, length);
        sha.update((byte) '\n');
    }

    public UserRows finish() {
        return new UserRows(rows, sha.digest());
    }
}
