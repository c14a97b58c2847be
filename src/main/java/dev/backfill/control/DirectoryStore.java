package dev.backfill.control;

import dev.backfill.db.Copy;
import dev.backfill.lifecycle.UserStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Who owns each legacy row of the entities other users' rows reference: written by the dry run,
 * read when a reference names a row that is not the user's own.
 */
public final class DirectoryStore {

    /** One legacy row: its entity, legacy id, user, and whether it will be written. */
    public record Entry(String entity, String legacyId, String user, boolean planned) {}

    /** The owner of a legacy row and whether the dry run plans to write it. */
    public record Owner(String user, boolean planned) {}

    private final ControlSchema control;
    private final String plan;

    DirectoryStore(ControlSchema control, String plan) {
        this.control = control;
        this.plan = plan;
    }

    /** Before a full dry run: the rows of every user not migrated are read again (migrated users' rows stay). */
    public void clearNotMigrated(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("delete from " + control.table("legacy_owners")
                + " o where o.plan = ? and not exists (select 1 from " + control.table("users") + " u where u.plan = o.plan"
                + " and u.user_key = o.user_key and u.status = '" + UserStatus.MIGRATED.sql() + "')")) {
            statement.setString(1, plan);
            statement.executeUpdate();
        }
    }

    /** Forgets these users' rows (before they are written again). */
    public void clearUsers(Connection connection, Collection<String> users) throws SQLException {
        if (users.isEmpty()) {
            return;
        }
        try (PreparedStatement statement = connection.prepareStatement("delete from " + control.table("legacy_owners")
                + " where plan = ? and user_key = any(?)")) {
            statement.setString(1, plan);
            statement.setArray(2, connection.createArrayOf("text", users.toArray()));
            statement.executeUpdate();
        }
    }

    public void write(Connection connection, List<Entry> entries) throws SQLException {
        if (entries.isEmpty()) {
            return;
        }
        try (Copy copy = Copy.into(connection, control.table("legacy_owners"), "plan, entity, legacy_id, user_key, planned")) {
            for (Entry entry : entries) {
                copy.row(Arrays.asList(plan, entry.entity(), entry.legacyId(), entry.user(), entry.planned()));
            }
            copy.end();
        }
    }

    /** A reference to another user's row that user will not migrate as it is, with the finding that says why (if any). */
    public record Blocked(String user, String entity, List<String> legacyIds, String column, String refEntity, String refLegacyId,
                          String owner, String why) {}

    /**
     * Of the references in {@code refsTable} (a temporary table of the dry run: user_key, entity, legacy_ids,
     * col, ref_entity, ref_legacy_id, owner), those naming a row its owner does not plan to write.
     */
    public List<Blocked> blocked(Connection connection, String refsTable) throws SQLException {
        String sql = "select r.user_key, r.entity, r.legacy_ids, r.col, r.ref_entity, r.ref_legacy_id, r.owner,"
                + " (select f.kind || ': ' || f.message from " + control.table("findings") + " f where f.plan = ? and f.user_key = r.owner"
                + " and f.entity = r.ref_entity and r.ref_legacy_id = any(f.legacy_ids) order by f.finding_id limit 1)"
                + " from " + refsTable + " r join " + control.table("legacy_owners") + " o on o.plan = ? and o.entity = r.ref_entity"
                + " and o.legacy_id = r.ref_legacy_id and o.user_key = r.owner where not o.planned order by r.user_key, r.entity";
        List<Blocked> blocked = new java.util.ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, plan);
            statement.setString(2, plan);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    blocked.add(new Blocked(rows.getString(1), rows.getString(2), Arrays.asList((String[]) rows.getArray(3).getArray()),
                            rows.getString(4), rows.getString(5), rows.getString(6), rows.getString(7), rows.getString(8)));
                }
            }
        }
        return blocked;
    }

    /** The owners of these legacy rows of one entity; a row two users claim belongs to the first in partition order. */
    public Map<String, Owner> owners(Connection connection, String entity, Collection<String> legacyIds) throws SQLException {
        Map<String, Owner> owners = new HashMap<>();
        if (legacyIds.isEmpty()) {
            return owners;
        }
        try (PreparedStatement statement = connection.prepareStatement("select distinct on (legacy_id) legacy_id, user_key, planned from "
                + control.table("legacy_owners") + " where plan = ? and entity = ? and legacy_id = any(?)"
                + " order by legacy_id, user_key collate \"C\"")) {
            statement.setString(1, plan);
            statement.setString(2, entity);
            statement.setArray(3, connection.createArrayOf("text", legacyIds.toArray()));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    owners.put(rows.getString(1), new Owner(rows.getString(2), rows.getBoolean(3)));
                }
            }
        }
        return owners;
    }
}
