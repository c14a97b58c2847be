package dev.backfill.db;

import dev.backfill.mapping.ValueText;
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

    private void flush() throws SQLException {
        if (buffer.length() == 0) {
            return;
        }
        byte[] bytes = buffer.toString().getBytes(StandardCharsets.UTF_8);
        copy.writeToCopy(bytes, 0, bytes.length);
        buffer.setLength(0);
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
