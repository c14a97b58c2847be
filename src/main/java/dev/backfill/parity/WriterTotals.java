package dev.backfill.parity;

import dev.backfill.db.ChecksumSql;
import dev.backfill.db.Sql;
import dev.backfill.mapping.ColumnType;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One pass over a target table: for each of the given writing transactions, how many of the table's rows
 * still carry it as {@code xmin} (their current version is the one it wrote) and the sum of their identity
 * hashes. No row is rendered as text or hashed but for its identity: this is what makes parity cheap.
 */
final class WriterTotals {

    /** Rows of one writing transaction in the table now. */
    record Totals(long rows, BigInteger keyHash) {}

    private WriterTotals() {}

    /** {@code xids}: 32-bit transaction ids. Returns, per xid found, its rows' totals. */
    static Map<Long, Totals> of(Connection connection, String table, List<String> identity, List<ColumnType> types, Collection<Long> xids)
            throws SQLException {
        Map<Long, Totals> totals = new HashMap<>();
        if (xids.isEmpty()) {
            return totals;
        }
        // the ids are numbers: a constant list the planner hashes, instead of comparing each row with every element
        String list = xids.stream().map(String::valueOf).collect(Collectors.joining(",", "'{", "}'::xid[]"));
        // grouped by the xid itself, rendered as text once per group: rendering it per row cost a third of the scan
        String sql = "select t.xmin::text, count(*), coalesce(sum(" + ChecksumSql.keyHash("t", identity, types) + "), 0)::text from "
                + Sql.table(table) + " t where t.xmin = any(" + list + ") group by t.xmin";
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                totals.put(Long.parseLong(rows.getString(1)), new Totals(rows.getLong(2), new BigInteger(rows.getString(3))));
            }
        }
        return totals;
    }
}
