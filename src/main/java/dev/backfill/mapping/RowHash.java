package dev.backfill.mapping;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The per-row hash parity compares: the first 60 bits of md5 over the row's hash texts joined by
 * U+001F, null written as U+001E. PostgreSQL computes the same over the actual row
 * ({@code dev.backfill.parity.ChecksumSql}); a user's checksum is the sum over its rows.
 */
public final class RowHash {
    public static final char SEPARATOR = '\u001f';
    public static final char NULL = '\u001e';

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
        try {
            byte[] md5 = MessageDigest.getInstance("MD5").digest(text.toString().getBytes(StandardCharsets.UTF_8));
            return Long.parseLong(HexFormat.of().formatHex(md5).substring(0, 15), 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is missing from this JVM", e);
        }
    }

    public static BigInteger sum(List<Long> hashes) {
        BigInteger total = BigInteger.ZERO;
        for (long hash : hashes) {
            total = total.add(BigInteger.valueOf(hash));
        }
        return total;
    }
}
