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

    /**
     * {@link #of} and {@link #columnHashes} together, each column's text encoded once for both. Apply hashes every
     * column of every row here: the text is encoded into a buffer of the thread's and each column's digest read into
     * another, instead of two new arrays per column.
     */
    public static Hashes both(List<String> hashTexts) {
        MessageDigest row = MD5.get();
        MessageDigest column = COLUMN_MD5.get();
        Scratch scratch = SCRATCH.get();
        row.reset();
        byte[] columns = new byte[hashTexts.size() * COLUMN_HASH_DIGITS];
        for (int i = 0; i < hashTexts.size(); i++) {
            if (i > 0) {
                row.update(SEPARATOR_UTF8);
            }
            String value = hashTexts.get(i);
            if (value == null) {
                row.update(NULL_UTF8);
                column.update(NULL_UTF8);
            } else {
                int length = scratch.encode(value);
                row.update(scratch.utf8, 0, length);
                column.update(scratch.utf8, 0, length);
            }
            try {
                column.digest(scratch.digest, 0, scratch.digest.length);
            } catch (java.security.DigestException e) {
                throw new IllegalStateException("an MD5 digest is 16 bytes", e);
            }
            for (int b = 0; b < COLUMN_HASH_DIGITS / 2; b++) {
                columns[i * COLUMN_HASH_DIGITS + 2 * b] = HEX_BYTES[(scratch.digest[b] >> 4) & 0xF];
                columns[i * COLUMN_HASH_DIGITS + 2 * b + 1] = HEX_BYTES[scratch.digest[b] & 0xF];
            }
        }
        return new Hashes(first60Bits(row.digest()), new String(columns, StandardCharsets.ISO_8859_1));
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
    private static final byte[] HEX_BYTES = "0123456789abcdef".getBytes(StandardCharsets.ISO_8859_1);

    /** A thread's buffers: a column's text as UTF-8, and a column's digest. */
    private static final class Scratch {
        private byte[] utf8 = new byte[256];
        private final byte[] digest = new byte[16];

        /**
         * The text as UTF-8 in {@link #utf8}, exactly the bytes {@code getBytes(UTF_8)} gives (a lone surrogate is
         * '?'); returns how many.
         */
        int encode(String text) {
            int length = text.length();
            if (utf8.length < length * 3) {
                utf8 = new byte[Math.max(length * 3, utf8.length * 2)];
            }
            byte[] out = utf8;
            int n = 0;
            for (int i = 0; i < length; i++) {
                char c = text.charAt(i);
                if (c < 0x80) {
                    out[n++] = (byte) c;
                } else if (c < 0x800) {
                    out[n++] = (byte) (0xC0 | (c >> 6));
                    out[n++] = (byte) (0x80 | (c & 0x3F));
                } else if (Character.isSurrogate(c)) {
                    if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(text.charAt(i + 1))) {
                        int code = Character.toCodePoint(c, text.charAt(++i));
                        out[n++] = (byte) (0xF0 | (code >> 18));
                        out[n++] = (byte) (0x80 | ((code >> 12) & 0x3F));
                        out[n++] = (byte) (0x80 | ((code >> 6) & 0x3F));
                        out[n++] = (byte) (0x80 | (code & 0x3F));
                    } else {
                        out[n++] = (byte) '?';
                    }
                } else {
                    out[n++] = (byte) (0xE0 | (c >> 12));
                    out[n++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                    out[n++] = (byte) (0x80 | (c & 0x3F));
                }
            }
            return n;
        }
    }

    /** The first 15 hex digits of the digest, as PostgreSQL's ('x' || substr(md5(...), 1, 15))::bit(60)::bigint reads them. */
    private static long first60Bits(byte[] md5) {
        long first8 = 0;
        for (int i = 0; i < 8; i++) {
            first8 = (first8 << 8) | (md5[i] & 0xFF);
        }
        return first8 >>> 4;
    }

    /** Hex digits kept of each column's md5 in {@link #columnHashes}. */
    public static final int COLUMN_HASH_DIGITS = 8;

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
