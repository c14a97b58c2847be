package dev.backfill.db;

import dev.backfill.mapping.ValueText;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Bulk writes with COPY … FROM STDIN in text format: one round trip for any number of rows. Fields are
 * escaped straight into a small buffer sent every {@value #FLUSH_CHARS} characters: a buffer of
 * half a G1 region or more (512 kB in a 512 MB heap) would be a humongous object, allocated and
 * collected apart from the young generation, once per table and chunk.
 */
public final class Copy implements AutoCloseable {
    private static final int FLUSH_CHARS = 1 << 15;

    private final CopyIn copy;
    private final StringBuilder buffer = new StringBuilder(FLUSH_CHARS + 1024);
    /** Made at the first flush, as large as it needs: most COPYs of the control schema send a few rows. */
    private char[] chars = new char[0];
    private ByteBuffer bytes;
    /** As {@code String.getBytes}: a lone surrogate becomes '?', never an error. */
    private final CharsetEncoder encoder = StandardCharsets.UTF_8.newEncoder()
            .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
    private long rows;
    private boolean ended;

    private Copy(CopyIn copy) {
        this.copy = copy;
    }

    /** Starts {@code COPY table (columns) FROM STDIN}; {@code table} and {@code columns} are already quoted. */
    public static Copy into(Connection connection, String table, String columns) throws SQLException {
        PGConnection pg = connection.unwrap(PGConnection.class);
        return new Copy(pg.getCopyAPI().copyIn("COPY " + table + " (" + columns + ") FROM STDIN"));
    }

    /** The COPY statement text, as a preview shows it. */
    public static String statement(String table, String columns) {
        return "COPY " + table + " (" + columns + ") FROM STDIN";
    }

    /** One row's COPY line (without the newline). */
    public static String line(List<?> values) {
        StringBuilder line = new StringBuilder();
        appendLine(line, values);
        return line.toString();
    }

    private static void appendLine(StringBuilder out, List<?> values) {
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                out.append('\t');
            }
            ValueText.appendCopyField(out, values.get(i));
        }
    }

    /** A PostgreSQL array literal of numbers, for a COPY field; null stays null. */
    public static String array(long[] values) {
        if (values == null) {
            return null;
        }
        StringBuilder array = new StringBuilder("{");
        for (int i = 0; i < values.length; i++) {
            array.append(i == 0 ? "" : ",").append(values[i]);
        }
        return array.append('}').toString();
    }

    /** A PostgreSQL text array literal, for a COPY field; null stays null. */
    public static String array(String[] values) {
        return values == null ? null : Sql.textArray(java.util.Arrays.asList(values));
    }

    /** One row already rendered as a COPY line (without the newline), e.g. one stored to be written later. */
    public void line(String line) throws SQLException {
        buffer.append(line).append('\n');
        rowAdded();
    }

    public void row(List<?> values) throws SQLException {
        appendLine(buffer, values);
        buffer.append('\n');
        rowAdded();
    }

    private void rowAdded() throws SQLException {
        rows++;
        if (buffer.length() >= FLUSH_CHARS) {
            flush();
        }
    }

    /**
     * Encodes the buffer through two arrays kept for the whole COPY: a String and its bytes made per flush
     * were two more copies of every row for the collector.
     */
    private void flush() throws SQLException {
        int length = buffer.length();
        if (length == 0) {
            return;
        }
        if (chars.length < length) {
            chars = new char[length];
        }
        if (bytes == null) {
            bytes = ByteBuffer.allocate(Math.min(FLUSH_CHARS * 2, length * 3 + 16));
        }
        buffer.getChars(0, length, chars, 0);
        CharBuffer in = CharBuffer.wrap(chars, 0, length);
        encoder.reset();
        while (encoder.encode(in, bytes, true).isOverflow()) {
            send();
        }
        while (encoder.flush(bytes).isOverflow()) {
            send();
        }
        send();
        buffer.setLength(0);
    }

    private void send() throws SQLException {
        if (bytes.position() > 0) {
            copy.writeToCopy(bytes.array(), 0, bytes.position());
            bytes.clear();
        }
    }

    /** Finishes the COPY and returns the number of rows the server took. */
    public long end() throws SQLException {
        flush();
        ended = true;
        return copy.endCopy();
    }

    public long rows() {
        return rows;
    }

    @Override
    public void close() throws SQLException {
        if (!ended && copy.isActive()) {
            copy.cancelCopy();
        }
    }

}
