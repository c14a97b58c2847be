package dev.backfill.testing;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Whole-table snapshots, to compare contents (not counts) before and after an operation. */
public final class Tables {

    private Tables() {}

    /** Every row of every table in the given schemas, as sorted text, by table name. */
    public static Map<String, List<String>> snapshot(Connection connection, String... schemas) throws SQLException {
        Map<String, List<String>> tables = new TreeMap<>();
        List<String> names = new ArrayList<>();
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("select quote_ident(table_schema) || '.' || quote_ident(table_name) from"
                     + " information_schema.tables where table_type = 'BASE TABLE' and table_schema = any(array['"
                     + String.join("','", schemas) + "']) order by 1")) {
            while (rows.next()) {
                names.add(rows.getString(1));
            }
        }
        for (String table : names) {
            tables.put(table, rows(connection, "select t::text from " + table + " t order by 1"));
        }
        return tables;
    }

    public static List<String> rows(Connection connection, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                out.add(rows.getString(1));
            }
        }
        return out;
    }

    public static long count(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
