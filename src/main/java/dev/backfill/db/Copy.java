package dev.backfill.db;

import dev.backfill.mapping.ValueText;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/** Bulk writes with COPY … FROM STDIN in text format: one round trip for any number of rows. */
public final class Copy implements AutoCloseable {
    private static final int FLUSH_BYTES = 1 << 20;

    private final CopyIn copy;
    private final StringBuilder buffer = new StringBuilder(FLUSH_BYTES + 4096);
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
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                line.append('\t');
            }
            line.append(ValueText.copyField(values.get(i)));
        }
        return line.toString();
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
        rows++;
        if (buffer.length() >= FLUSH_BYTES) {
            flush();
        }
    }

    public void row(List<?> values) throws SQLException {
        buffer.append(line(values)).append('\n');
        rows++;
        if (buffer.length() >= FLUSH_BYTES) {
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
