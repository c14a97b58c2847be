package dev.backfill.demo;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Whole target tables as comparable text rows, and the few helpers the scenario tests use to spell
 * out the rows they expect: the same text for the same value on both sides ("∅" for NULL,
 * timestamps as UTC ISO-8601 with milliseconds, jsonb in PostgreSQL's canonical text).
 */
final class TargetRows {
    static final String NULL = "∅";
    private static final Pattern UUID_TEXT = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final DateTimeFormatter MILLIS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
    /** The namespace of the engine's derived (UUIDv5) ids, pinned: derived ids must never change between versions. */
    private static final UUID DERIVE_NAMESPACE = UUID.fromString("6f1d0f0e-3b1a-5c55-9a52-b8f1a0c0ffee");

    private TargetRows() {}

    /** A timestamptz column as text the expected rows can spell. */
    static String ts(String column) {
        return "to_char(" + column + " at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
    }

    /** Every row of a table, each the given column expressions as text joined by " | ", sorted. */
    static List<String> actual(Connection connection, String table, String... columns) throws SQLException {
        List<String> parts = new ArrayList<>();
        for (String column : columns) {
            parts.add("coalesce((" + column + ")::text, '" + NULL + "')");
        }
        List<String> rows = new ArrayList<>();
        try (Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("select " + String.join(" || ' | ' || ", parts) + " from " + table)) {
            while (result.next()) {
                rows.add(result.getString(1));
            }
        }
        rows.sort(null);
        return rows;
    }

    /** One expected row, values written as {@link #actual} writes them. */
    static String row(Object... values) {
        List<String> parts = new ArrayList<>();
        for (Object value : values) {
            if (value == null) {
                parts.add(NULL);
            } else if (value instanceof Instant instant) {
                parts.add(MILLIS.format(instant));
            } else if (value instanceof LocalDate date) {
                parts.add(date.toString());
            } else {
                parts.add(value.toString());
            }
        }
        return String.join(" | ", parts);
    }

    static List<String> sorted(List<String> rows) {
        List<String> out = new ArrayList<>(rows);
        out.sort(null);
        return out;
    }

    /** JSON text as PostgreSQL's jsonb prints it (key order, spacing, numbers). */
    static String jsonb(Connection connection, String json) throws SQLException {
        if (json == null) {
            return null;
        }
        try (PreparedStatement statement = connection.prepareStatement("select ?::jsonb::text")) {
            statement.setString(1, json);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getString(1);
            }
        }
    }

    static boolean isUuid(String text) {
        return UUID_TEXT.matcher(text).matches();
    }

    /** entity → legacy id → new id, as the plan's id map holds them. */
    static Map<String, Map<String, String>> idMap(Connection connection, String plan) throws SQLException {
        Map<String, Map<String, String>> ids = new HashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(
                "select entity, legacy_id, new_id::text from backfill.id_map where plan = ?")) {
            statement.setString(1, plan);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    ids.computeIfAbsent(rows.getString(1), k -> new HashMap<>()).put(rows.getString(2), rows.getString(3));
                }
            }
        }
        return ids;
    }

    /** RFC 9562 version 5 of {@code plan/entity/legacyId} in the engine's namespace: what strategy derive gives. */
    static String derived(String plan, String entity, String legacyId) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            sha1.update(ByteBuffer.allocate(16).putLong(DERIVE_NAMESPACE.getMostSignificantBits())
                    .putLong(DERIVE_NAMESPACE.getLeastSignificantBits()).array());
            byte[] hash = sha1.digest((plan + "/" + entity + "/" + legacyId).getBytes(StandardCharsets.UTF_8));
            hash[6] = (byte) ((hash[6] & 0x0f) | 0x50);
            hash[8] = (byte) ((hash[8] & 0x3f) | 0x80);
            ByteBuffer bytes = ByteBuffer.wrap(hash, 0, 16);
            return new UUID(bytes.getLong(), bytes.getLong()).toString();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The dry run's findings as comparable text: user, entity, kind, field, legacy ids (sorted). */
    static String finding(String user, String entity, String kind, String field, List<String> legacyIds) {
        return user + " " + entity + " " + kind + " " + field + " " + new java.util.TreeSet<>(legacyIds);
    }
}
