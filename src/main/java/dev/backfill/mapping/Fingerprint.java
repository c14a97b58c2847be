package dev.backfill.mapping;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A hash of everything a user's mapping reads: every legacy row of every stream. An approval stores
 * it; apply recomputes it and refuses a user whose rows changed since the DBA reviewed them.
 */
public final class Fingerprint {

    private Fingerprint() {}

    /** From per-stream digests of the raw rows, as the source readers compute them. */
    public static String ofDigests(Map<String, byte[]> digestsByStream) {
        MessageDigest sha = sha256();
        for (Map.Entry<String, byte[]> stream : new TreeMap<>(digestsByStream).entrySet()) {
            sha.update(stream.getKey().getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(stream.getValue());
        }
        return HexFormat.of().formatHex(sha.digest(), 0, 16);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** From the rows themselves, written as JSON (for rows that did not come from a reader, as in tests). */
    public static String of(Map<String, List<ObjectNode>> rowsByStream) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        for (Map.Entry<String, List<ObjectNode>> stream : new TreeMap<>(rowsByStream).entrySet()) {
            sha.update(stream.getKey().getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            for (ObjectNode row : stream.getValue()) {
                sha.update(Json.write(row).getBytes(StandardCharsets.UTF_8));
                sha.update((byte) '\n');
            }
            sha.update((byte) 0);
        }
        return HexFormat.of().formatHex(sha.digest(), 0, 16);
    }
}
