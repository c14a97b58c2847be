package dev.backfill.mapping;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * The per-row hash parity compares: the first 60 bits of md5 over the row's hash texts joined by
 * U+001F, null written as U+001E. PostgreSQL computes the same over the actual row
 * ({@code dev.backfill.db.ChecksumSql}); a user's checksum is the sum over its rows.
 */
public final class RowHash {
    public static final char SEPARATOR = '\u001f';
    public static final char NULL = '\u001e';

    private static final ThreadLocal<MessageDigest> MD5 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is missing from this JVM", e);
        }
    });

    private RowHash() {}

    public static long of(List<String> hashTexts) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < hashTexts.size(); i++) {
            if (i > 0) {
                text.append(SEPARATOR);
            }
            String value = hashTexts.get(i);
            text.append(value == null ? String.valueOf(NULL) : value);
        }
        byte[] md5 = MD5.get().digest(text.toString().getBytes(StandardCharsets.UTF_8));
        // the first 15 hex digits of the digest, as PostgreSQL's ('x' || substr(md5(...), 1, 15))::bit(60)::bigint reads them
        long first8 = 0;
        for (int i = 0; i < 8; i++) {
            first8 = (first8 << 8) | (md5[i] & 0xFF);
        }
        return first8 >>> 4;
    }

    /** Hex digits kept of each column's md5 in {@link #columnHashes}. */
    public static final int COLUMN_HASH_DIGITS = 8;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /**
     * Each column's hash text hashed alone, the first {@value #COLUMN_HASH_DIGITS} hex digits of its
     * md5 in column order: what the ledger keeps so a rollback can say which columns changed.
     */
    public static String columnHashes(List<String> hashTexts) {
        MessageDigest md5 = MD5.get();
        char[] out = new char[hashTexts.size() * COLUMN_HASH_DIGITS];
        for (int i = 0; i < hashTexts.size(); i++) {
            String value = hashTexts.get(i);
            byte[] digest = md5.digest((value == null ? String.valueOf(NULL) : value).getBytes(StandardCharsets.UTF_8));
            for (int b = 0; b < COLUMN_HASH_DIGITS / 2; b++) {
                out[i * COLUMN_HASH_DIGITS + 2 * b] = HEX[(digest[b] >> 4) & 0xF];
                out[i * COLUMN_HASH_DIGITS + 2 * b + 1] = HEX[digest[b] & 0xF];
            }
        }
        return new String(out);
    }

    public static BigInteger sum(List<Long> hashes) {
        BigInteger total = BigInteger.ZERO;
        for (long hash : hashes) {
            total = total.add(BigInteger.valueOf(hash));
        }
        return total;
    }
}
