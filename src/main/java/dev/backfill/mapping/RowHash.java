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

    private static final byte[] SEPARATOR_UTF8 = String.valueOf(SEPARATOR).getBytes(StandardCharsets.UTF_8);
    private static final byte[] NULL_UTF8 = String.valueOf(NULL).getBytes(StandardCharsets.UTF_8);
    private static final ThreadLocal<MessageDigest> MD5 = ThreadLocal.withInitial(RowHash::md5);
    /** A second digest: a row's digest is still open while each of its columns is hashed. */
    private static final ThreadLocal<MessageDigest> COLUMN_MD5 = ThreadLocal.withInitial(RowHash::md5);

    private RowHash() {}

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is missing from this JVM", e);
        }
    }

    public static long of(List<String> hashTexts) {
        MessageDigest row = MD5.get();
        row.reset();
        for (int i = 0; i < hashTexts.size(); i++) {
            if (i > 0) {
                row.update(SEPARATOR_UTF8);
            }
            String value = hashTexts.get(i);
            row.update(value == null ? NULL_UTF8 : value.getBytes(StandardCharsets.UTF_8));
        }
        return first60Bits(row.digest());
    }

    /** A row's hash and its column hashes ({@link #columnHashes}). */
    public record Hashes(long row, String columns) {}

    /** {@link #of} and {@link #columnHashes} together, each column's text encoded once for both. */
    public static Hashes both(List<String> hashTexts) {
        MessageDigest row = MD5.get();
        MessageDigest column = COLUMN_MD5.get();
        row.reset();
        char[] columns = new char[hashTexts.size() * COLUMN_HASH_DIGITS];
        for (int i = 0; i < hashTexts.size(); i++) {
            if (i > 0) {
                row.update(SEPARATOR_UTF8);
            }
            String value = hashTexts.get(i);
            byte[] text = value == null ? NULL_UTF8 : value.getBytes(StandardCharsets.UTF_8);
            row.update(text);
            hexDigits(column.digest(text), columns, i * COLUMN_HASH_DIGITS);
        }
        return new Hashes(first60Bits(row.digest()), new String(columns));
    }

    /** The first 15 hex digits of the digest, as PostgreSQL's ('x' || substr(md5(...), 1, 15))::bit(60)::bigint reads them. */
    private static long first60Bits(byte[] md5) {
        long first8 = 0;
        for (int i = 0; i < 8; i++) {
            first8 = (first8 << 8) | (md5[i] & 0xFF);
        }
        return first8 >>> 4;
    }

    private static void hexDigits(byte[] digest, char[] out, int at) {
        for (int b = 0; b < COLUMN_HASH_DIGITS / 2; b++) {
            out[at + 2 * b] = HEX[(digest[b] >> 4) & 0xF];
            out[at + 2 * b + 1] = HEX[digest[b] & 0xF];
        }
    }

    /** Hex digits kept of each column's md5 in {@link #columnHashes}. */
    public static final int COLUMN_HASH_DIGITS = 8;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /**
     * Each column's hash text hashed alone, the first {@value #COLUMN_HASH_DIGITS} hex digits of its
     * md5 in column order: what the ledger keeps so a rollback can say which columns changed.
     */
    public static String columnHashes(List<String> hashTexts) {
        return both(hashTexts).columns();
    }

    public static BigInteger sum(List<Long> hashes) {
        BigInteger total = BigInteger.ZERO;
        for (long hash : hashes) {
            total = total.add(BigInteger.valueOf(hash));
        }
        return total;
    }
}
