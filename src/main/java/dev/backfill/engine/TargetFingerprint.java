package dev.backfill.engine;

import dev.backfill.mapping.PlannedRow;
import dev.backfill.mapping.ValueText;
import dev.backfill.plan.Entity;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;

/**
 * Which target rows one user's planned rows meet, by natural key and by id: what the DBA reviewed
 * about the target. The dry run stores it; apply computes it again and holds the user back
 * (TARGET_CHANGED) when the live app wrote a row that changes what happens to the user's rows.
 * Only which rows are met counts, not their content: an updated row's content is kept in the ledger.
 */
final class TargetFingerprint {
    /** No target row met: the fingerprint of most users. */
    static final String NOTHING_MET = "";

    /** One target row a planned row met. */
    record Meeting(String entity, String table, boolean byKey, String candidate, String existing) {
        String line() {
            return entity + '\u001f' + (byKey ? "key" : "id") + '\u001f' + candidate + '\u001f' + existing;
        }

        /** For the operator: which row the live app holds that this user's row meets. */
        String describe(Entity entity) {
            return table + " already has " + (byKey ? "a row with " + String.join(",", entity.key()) + " = (" + candidate + ")"
                    : "a row with id " + candidate) + (existing.equals(candidate) ? "" : " (" + String.join(",", entity.identityColumns())
                    + " = " + existing + ")");
        }
    }

    /** The entity's candidates as looked up, so the write transaction can look them up again. */
    record Lookup(Entity entity, List<PlannedRow> candidates) {}

    private final List<Meeting> meetings = new ArrayList<>();
    private final List<Lookup> lookups = new ArrayList<>();

    void add(Entity entity, List<PlannedRow> candidates, TargetMatches matches, int offset) {
        lookups.add(new Lookup(entity, candidates));
        meetings.addAll(meetings(entity, candidates, matches, offset));
    }

    /** The meetings of candidates {@code offset .. offset + candidates.size()} of a lookup over several users. */
    static List<Meeting> meetings(Entity entity, List<PlannedRow> candidates, TargetMatches matches, int offset) {
        List<Meeting> found = new ArrayList<>();
        for (int i = 0; i < candidates.size(); i++) {
            PlannedRow candidate = candidates.get(i);
            List<Object> byKey = matches.byKey().get(offset + i);
            if (byKey != null) {
                found.add(new Meeting(entity.name(), entity.into(), true, text(candidate.naturalKey()), text(byKey)));
            }
            List<Object> byId = matches.byId().get(offset + i);
            if (byId != null) {
                found.add(new Meeting(entity.name(), entity.into(), false, ValueText.plain(candidate.value(entity.id().column())),
                        text(byId)));
            }
        }
        return found;
    }

    List<Meeting> meetings() {
        return meetings;
    }

    List<Lookup> lookups() {
        return lookups;
    }

    String value() {
        return of(meetings);
    }

    static String of(List<Meeting> meetings) {
        if (meetings.isEmpty()) {
            return NOTHING_MET;
        }
        TreeSet<String> lines = new TreeSet<>();
        meetings.forEach(m -> lines.add(m.line()));
        try {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            for (String line : lines) {
                md5.update(line.getBytes(StandardCharsets.UTF_8));
                md5.update((byte) '\n');
            }
            return HexFormat.of().formatHex(md5.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is missing from this JVM", e);
        }
    }

    private static String text(List<Object> values) {
        List<String> texts = new ArrayList<>(values.size());
        values.forEach(v -> texts.add(ValueText.plain(v)));
        return String.join(",", texts);
    }
}
