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

    /** The rows of these users (ascending keys), each user's rows in their stable order, with their digest. */
    Map<String, UserRows> rows(SourceSpec stream, List<String> users);

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
