package dev.backfill.source;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backfill.plan.SourceSpec;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Reads legacy rows, user by user. Every implementation is read-only. User keys are text and come
 * in code point order (PostgreSQL's "C" collation), the order every stream agrees on.
 */
public interface SourceReader extends AutoCloseable {

    /** The distinct users of a stream, ascending, streamed; rows without a user are not among them. */
    CloseableIterator<String> users(SourceSpec stream);

    /** How many distinct users the stream has, for progress and ETA; -1 when counting would cost a full read. */
    default long countUsers(SourceSpec stream) {
        return -1;
    }

    /** The rows of these users (ascending keys), each user's rows in their stable order, with their digest. */
    Map<String, UserRows> rows(SourceSpec stream, List<String> users);

    /** One user's rows of a stream, as a scan yields them. */
    record KeyedRows(String user, UserRows rows) {}

    /**
     * Every user's rows of a stream, user by user in ascending order, streamed. Memory holds one
     * user at a time. The default reads {@link #users} in chunks and fetches each chunk's rows.
     */
    default CloseableIterator<KeyedRows> scan(SourceSpec stream) {
        CloseableIterator<String> users = users(stream);
        return new CloseableIterator<>() {
            private final java.util.ArrayDeque<KeyedRows> ready = new java.util.ArrayDeque<>();

            @Override
            public boolean hasNext() {
                while (ready.isEmpty() && users.hasNext()) {
                    List<String> chunk = new java.util.ArrayList<>();
                    while (chunk.size() < 500 && users.hasNext()) {
                        chunk.add(users.next());
                    }
                    Map<String, UserRows> rows = rows(stream, chunk);
                    for (String user : chunk) {
                        UserRows userRows = rows.get(user);
                        if (userRows != null) {
                            ready.add(new KeyedRows(user, userRows));
                        }
                    }
                }
                return !ready.isEmpty();
            }

            @Override
            public KeyedRows next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                return ready.poll();
            }

            @Override
            public void close() {
                users.close();
            }
        };
    }

    /**
     * The columns a stream's rows have, from the source's catalog, without reading a row; empty for a
     * source without a catalog (JSON lines: every document has its own keys).
     */
    default java.util.Optional<List<SourceColumn>> columns(SourceSpec stream) {
        return java.util.Optional.empty();
    }

    /**
     * The columns of a stream's table that the source's own constraints keep different in every row (NULLs
     * aside): a primary key or unique index of that column alone. Empty where the source cannot promise it
     * (a query, a document, a table whose inheritance children its reads include, a source without a catalog).
     */
    default java.util.Set<String> uniqueColumns(SourceSpec stream) {
        return java.util.Set.of();
    }

    /** Every row of a stream, for shared catalogs that belong to no user. */
    UserRows allRows(SourceSpec stream);

    /** Rows whose user field is empty: reported, never migrated. At most {@code limit}. */
    List<ObjectNode> rowsWithoutUser(SourceSpec stream, int limit);

    /** Runs a query returning one number on the source (for plan checks); only SQL sources can. */
    default java.math.BigDecimal scalar(String sql) {
        throw new UnsupportedOperationException("the source (" + describe() + ") cannot run SQL; use an 'expect: { legacy: ... }' check");
    }

    /** What this reads, for messages; never contains a password. */
    String describe();

    @Override
    void close();

    /** An iterator over an open cursor. */
    interface CloseableIterator<T> extends Iterator<T>, AutoCloseable {
        @Override
        void close();
    }
}
