package dev.backfill.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link RowHash#both} encodes each column's text itself, into a reused buffer: its hashes must be exactly those
 * of the text's {@code getBytes(UTF_8)} (what PostgreSQL's md5 of the same text gives, {@code ChecksumRoundTripIT}),
 * for every kind of character, lone surrogates included.
 */
class RowHashTest {

    @Test
    void hashesEveryKindOfTextAsItsUtf8Bytes() throws Exception {
        List<String> texts = new ArrayList<>(List.of("", "plain", "Zoë", "日本語", "😀 emoji", "\u0000nul", "a\u001fb", "\u001e",
                "lone \ud800 high", "lone \udc00 low", "reversed \udc00\ud800 pair", "end \ud83d", "x".repeat(5000) + "é"));
        Random random = new Random(42);
        for (int i = 0; i < 2000; i++) {
            texts.add(randomText(random));
        }
        for (int i = 0; i < texts.size(); i += 3) {
            List<String> row = new ArrayList<>(texts.subList(i, Math.min(texts.size(), i + 3)));
            if (i % 7 == 0) {
                row.add(null);
            }
            RowHash.Hashes hashes = RowHash.both(row);
            assertThat(hashes.columns()).as("column hashes of %s", row).isEqualTo(referenceColumns(row));
            assertThat(hashes.row()).as("row hash of %s", row).isEqualTo(RowHash.of(row));
        }
    }

    @Test
    void aLongTextAfterShortOnesIsHashedWhole() throws Exception {
        RowHash.both(List.of("short"));
        String longText = "ü".repeat(100_000);
        assertThat(RowHash.both(List.of(longText)).columns()).isEqualTo(referenceColumns(Arrays.asList(longText)));
    }

    /** What {@link RowHash#both} computed before: each column's getBytes(UTF_8), md5, first 8 hex digits. */
    private static String referenceColumns(List<String> row) throws Exception {
        StringBuilder out = new StringBuilder();
        for (String value : row) {
            byte[] text = value == null ? "\u001e".getBytes(StandardCharsets.UTF_8) : value.getBytes(StandardCharsets.UTF_8);
            byte[] digest = MessageDigest.getInstance("MD5").digest(text);
            for (int b = 0; b < 4; b++) {
                out.append(String.format("%02x", digest[b] & 0xFF));
            }
        }
        return out.toString();
    }

    private static String randomText(Random random) {
        int length = random.nextInt(40);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            int kind = random.nextInt(6);
            switch (kind) {
                case 0 -> text.append((char) random.nextInt(0x80));
                case 1 -> text.append((char) (0x80 + random.nextInt(0x780)));
                case 2 -> text.append((char) (0x800 + random.nextInt(0xD800 - 0x800)));
                case 3 -> text.appendCodePoint(0x10000 + random.nextInt(0x100000));
                case 4 -> text.append((char) (0xD800 + random.nextInt(0x800))); // a lone surrogate, high or low
                default -> text.append((char) (0xE000 + random.nextInt(0x2000)));
            }
        }
        return text.toString();
    }
}
