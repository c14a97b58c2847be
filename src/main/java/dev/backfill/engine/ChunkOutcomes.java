package dev.backfill.engine;

import dev.backfill.control.ApplyStore;
import dev.backfill.control.IdMapStore;
import dev.backfill.db.Retry;
import dev.backfill.db.Transactions;
import dev.backfill.lifecycle.UserStatus;
import dev.backfill.mapping.Finding;
import dev.backfill.mapping.FindingKind;
import dev.backfill.mapping.Json;
import dev.backfill.plan.Entity;
import dev.backfill.plan.Plan;
import dev.backfill.source.UserRows;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What becomes of a chunk's users in one run of apply: each is applied, or held back as source changed,
 * target changed or failed, with its outcome and findings in the ledger and told to the listener. A
 * failure is narrowed down to the users it belongs to, so the others of the chunk still go through.
 */
final class ChunkOutcomes {
    private static final int MEETINGS_SHOWN = 20;

    private final ApplyContext context;
    private final Workspace workspace;
    private final Plan plan;
    private final ApplyStore store;
    private final Retry retry;
    private final ApplyListener listener;
    private final long runId;
    private final int batchNo;
    private final ApplyTally tally;

    ChunkOutcomes(ApplyContext context) {
        this.context = context;
        this.workspace = context.workspace();
        this.plan = context.workspace().plan();
        this.store = context.store();
        this.retry = context.retry();
        this.listener = context.listener();
        this.runId = context.runId();
        this.batchNo = context.batchNo();
        this.tally = context.tally();
    }

    /**
     * Maps a chunk and prepares its ledger. Users whose legacy rows changed since approval, or whose
     * rows meet other target rows than were reviewed, are held back. If mapping the chunk fails in
     * Java (a value no coercion foresaw), each user is mapped alone, so only the users that fail
     * are held back as failed.
     */
    List<ChunkWriter.PreparedUser> mapChunk(ChunkMapper mapper, IdMapStore ids, List<String> chunk,
                                            Map<String, Map<String, UserRows>> rowsByStream,
                                            Map<String, ApplyStore.Reviewed> approved, List<Entity> entities,
                                            ChunkWriter writer) throws SQLException {
        List<MappedUser> mapped;
        try {
            mapped = mapTogether(mapper, ids, chunk, rowsByStream, entities);
        } catch (RuntimeException chunkFailure) {
            mapped = new ArrayList<>();
            for (String user : chunk) {
                try {
                    mapped.addAll(mapTogether(mapper, ids, List.of(user), rowsByStream, entities));
                } catch (RuntimeException userFailure) {
                    markFailed(user, "mapping failed: " + describe(userFailure));
                }
            }
        }
        List<ChunkWriter.PreparedUser> ready = new ArrayList<>();
        Map<String, String> sourceChangedUsers = new LinkedHashMap<>();
        Map<String, List<TargetFingerprint.Meeting>> targetChangedUsers = new LinkedHashMap<>();
        List<Finding> changedFindings = new ArrayList<>();
        for (MappedUser user : mapped) {
            ApplyStore.Reviewed reviewed = approved.get(user.user());
            String fingerprint = user.mapping().result().fingerprint();
            if (!reviewed.sourceFingerprint().equals(fingerprint)) {
                sourceChangedUsers.put(user.user(), fingerprint);
                changedFindings.add(new Finding(user.user(), entities.get(0).name(), FindingKind.SOURCE_CHANGED, null,
                        List.of(Json.NODES.textNode(reviewed.sourceFingerprint()), Json.NODES.textNode(fingerprint)), null, List.of(),
                        "the legacy rows of this user changed after the batch was approved (fingerprint " + reviewed.sourceFingerprint()
                                + " then, " + fingerprint + " now); the user was not applied. Dry-run the user again, review,"
                                + " and approve the batch again."));
            } else if (!reviewed.targetFingerprint().equals(user.target().value())) {
                targetChangedUsers.put(user.user(), user.target().meetings());
            } else {
                try {
                    ready.add(writer.prepare(entities, user, reviewed.targetFingerprint()));
                } catch (RuntimeException e) {
                    markFailed(user.user(), "preparing its rows failed: " + describe(e));
                }
            }
        }
        if (!sourceChangedUsers.isEmpty()) {
            retry.run(() -> Transactions.inTransaction(workspace.target(), connection -> {
                List<String> held = new ArrayList<>(sourceChangedUsers.keySet());
                store.holdBack(connection, held, UserStatus.SOURCE_CHANGED, "legacy rows changed after approval");
                Map<String, Integer> none = new LinkedHashMap<>();
                held.forEach(u -> none.put(u, 0));
                store.recordOutcomes(connection, runId, batchNo, ApplyStore.Outcome.SOURCE_CHANGED, none, Map.of());
                store.recordFindings(connection, runId, changedFindings);
                return null;
            }), listener::onNote);
            tally.sourceChanged(sourceChangedUsers.size());
            sourceChangedUsers.keySet().forEach(u -> listener.onUser(u, ApplyListener.Outcome.SOURCE_CHANGED, 0,
                    "legacy rows changed after approval"));
        }
        if (!targetChangedUsers.isEmpty()) {
            retry.run(() -> Transactions.inTransaction(workspace.target(), connection -> {
                holdTargetChanged(connection, targetChangedUsers);
                return null;
            }), listener::onNote);
            countTargetChanged(targetChangedUsers);
        }
        return ready;
    }

    private List<MappedUser> mapTogether(ChunkMapper mapper, IdMapStore ids, List<String> users,
                                         Map<String, Map<String, UserRows>> rowsByStream, List<Entity> entities) throws SQLException {
        return context.withConnection(connection -> {
            List<MappedUser> mapped = mapper.map(connection, users, rowsByStream, entities);
            Transactions.inTransaction(connection, c -> {
                ids.flush(c);
                return null;
            });
            return mapped;
        });
    }

    /** Holds users back whose rows meet other target rows now than at review, naming those rows, in the caller's transaction. */
    private void holdTargetChanged(Connection connection, Map<String, List<TargetFingerprint.Meeting>> users) throws SQLException {
        List<Finding> findings = new ArrayList<>();
        Map<String, String> messages = new LinkedHashMap<>();
        Map<String, Integer> none = new LinkedHashMap<>();
        for (Map.Entry<String, List<TargetFingerprint.Meeting>> user : users.entrySet()) {
            List<TargetFingerprint.Meeting> meetings = user.getValue();
            List<String> described = meetings.stream().limit(MEETINGS_SHOWN)
                    .map(m -> m.describe(plan.requireEntity(m.entity()))).toList();
            // another user of this plan can have written the row too: two users planning one natural key, applied
            // one after the other (the dry run's cross-user check leaves natural keys out, since they may merge)
            String message = "target rows its rows meet changed after review (written since, by the live app or by another user"
                    + " of this plan with the same key): "
                    + (described.isEmpty() ? "rows it met at review are gone" : String.join("; ", described))
                    + (meetings.size() > MEETINGS_SHOWN ? "; and " + (meetings.size() - MEETINGS_SHOWN) + " more" : "")
                    + ". Dry-run the user again ('backfill dry-run PLAN --user " + user.getKey() + "'), review, and approve the batch again.";
            messages.put(user.getKey(), message);
            none.put(user.getKey(), 0);
            if (meetings.isEmpty()) {
                findings.add(new Finding(user.getKey(), plan.entities().get(0).name(), FindingKind.TARGET_CHANGED, null, List.of(),
                        null, List.of(), message));
            }
            for (TargetFingerprint.Meeting meeting : meetings.stream().limit(MEETINGS_SHOWN).toList()) {
                Entity entity = plan.requireEntity(meeting.entity());
                findings.add(new Finding(user.getKey(), meeting.entity(), FindingKind.TARGET_CHANGED,
                        meeting.byKey() ? String.join(",", entity.key()) : entity.id().column(),
                        List.of(Json.NODES.textNode(meeting.candidate())), Json.NODES.textNode(meeting.existing()), List.of(),
                        meeting.describe(entity) + ", written after the review (by the live app or another user of this plan);"
                                + " the user was not applied. Dry-run the user again,"
                                + " review, and approve the batch again."));
            }
            store.holdBack(connection, List.of(user.getKey()), UserStatus.TARGET_CHANGED, message);
        }
        store.recordOutcomes(connection, runId, batchNo, ApplyStore.Outcome.TARGET_CHANGED, none, messages);
        store.recordFindings(connection, runId, findings);
    }

    private void countTargetChanged(Map<String, List<TargetFingerprint.Meeting>> users) {
        tally.targetChanged(users.size());
        users.forEach((user, meetings) -> listener.onUser(user, ApplyListener.Outcome.TARGET_CHANGED, 0,
                "target rows its rows meet changed after review: " + meetings.stream().limit(3)
                        .map(m -> m.describe(plan.requireEntity(m.entity()))).toList()));
    }

    /**
     * Writes the users together, trusting the target's unique indexes to refuse rows the live app wrote
     * since the review; if that fails for a non-transient reason, writes them together again with every
     * user looked up (which holds back a user whose rows meet such a row), then halves until the failing
     * users stand alone. Returns the rows written (with the waiting rows of other users these released).
     */
    long writeIsolated(ChunkWriter writer, List<Entity> entities, List<ChunkWriter.PreparedUser> users) throws SQLException {
        return writeIsolated(writer, entities, users, ChunkWriter.LookUp.TRUST_UNIQUE_INDEXES, ReleaseMode.PLAIN);
    }

    /** {@code release}: how other users' waiting rows are released, after what earlier attempts met ({@link ReleaseMode}). */
    private long writeIsolated(ChunkWriter writer, List<Entity> entities, List<ChunkWriter.PreparedUser> users,
                               ChunkWriter.LookUp lookUp, ReleaseMode release) throws SQLException {
        if (users.isEmpty()) {
            return 0;
        }
        try {
            return retry.run(() -> writeOnce(writer, entities, users, lookUp, release), listener::onNote);
        } catch (PendingRows.ReleaseRefused refused) {
            // another user's waiting row, not these users' rows: written again, the refused rows found and kept waiting
            return writeIsolated(writer, entities, users, lookUp, release.carefully());
        } catch (WrittenCheck.ReleasedRowsDiffer differ) {
            // other users' waiting rows the target changed as they were written: written again without them
            ReleaseMode without = release.refusing(differ.rows());
            if (without == null) {
                // they were left out already, and still differ: not theirs to take, so the users are isolated as for any failure
                return isolate(writer, entities, users, lookUp, release, differ);
            }
            return writeIsolated(writer, entities, users, lookUp, without);
        } catch (WrittenCheck.RowsDiffer differ) {
            // the check named the users whose rows the target changed: they fail alone, the others are written again
            for (Map.Entry<String, String> user : differ.users().entrySet()) {
                markFailed(user.getKey(), user.getValue());
            }
            return writeIsolated(writer, entities, users.stream().filter(u -> !differ.users().containsKey(u.user())).toList(), lookUp,
                    release);
        } catch (SQLException | RuntimeException e) {
            if (e instanceof SQLException sql && Retry.isTransient(sql)) {
                throw sql;
            }
            return isolate(writer, entities, users, lookUp, release, e);
        }
    }

    /** After a failure that names no user: every user looked up, then halves until the failing users stand alone. */
    private long isolate(ChunkWriter writer, List<Entity> entities, List<ChunkWriter.PreparedUser> users, ChunkWriter.LookUp lookUp,
                         ReleaseMode release, Exception failure) throws SQLException {
        if (lookUp == ChunkWriter.LookUp.TRUST_UNIQUE_INDEXES) {
            return writeIsolated(writer, entities, users, ChunkWriter.LookUp.EVERY_USER, release);
        }
        if (users.size() == 1) {
            markFailed(users.get(0).user(), describe(failure));
            return 0;
        }
        int half = users.size() / 2;
        return writeIsolated(writer, entities, users.subList(0, half), lookUp, release)
                + writeIsolated(writer, entities, users.subList(half, users.size()), lookUp, release);
    }

    private long writeOnce(ChunkWriter writer, List<Entity> entities, List<ChunkWriter.PreparedUser> users, ChunkWriter.LookUp lookUp,
                           ReleaseMode release) throws SQLException {
        ChunkWriter.Written written = Transactions.inTransaction(workspace.target(), connection -> {
            // A retry after a lost acknowledgement must not write a user twice: drop users no longer approved.
            Set<String> done = store.notApproved(connection, users.stream().map(ChunkWriter.PreparedUser::user).toList());
            List<ChunkWriter.PreparedUser> todo = users.stream().filter(u -> !done.contains(u.user())).toList();
            if (todo.isEmpty()) {
                return ChunkWriter.Written.NOTHING;
            }
            ChunkWriter.Written result = writer.write(connection, runId, batchNo, entities, todo, lookUp, release);
            if (!result.rows().isEmpty()) {
                store.markMigrated(connection, new ArrayList<>(result.rows().keySet()));
                store.recordOutcomes(connection, runId, batchNo, ApplyStore.Outcome.APPLIED, result.rows(), Map.of());
            }
            if (!result.targetChanged().isEmpty()) {
                holdTargetChanged(connection, result.targetChanged());
            }
            return result;
        });
        long chunkRows = written.released();
        for (Map.Entry<String, Integer> user : written.rows().entrySet()) {
            chunkRows += user.getValue();
        }
        tally.written(written.rows().size(), chunkRows, written.waiting(), written.released(), written.refused().size());
        for (Map.Entry<String, Integer> user : written.rows().entrySet()) {
            listener.onUser(user.getKey(), ApplyListener.Outcome.APPLIED, user.getValue(), null);
        }
        countTargetChanged(written.targetChanged());
        if (written.released() > 0) {
            listener.onNote(written.released() + " row(s) of other users that waited for these users' rows are written now");
        }
        for (PendingRows.Refusal refusal : written.refused()) {
            listener.onWarning(String.format("A waiting row of user %s (batch %d), %s %s, was refused by the target when the row it"
                    + " waits for was written: %s. It still waits, and so do rows that reference it; the users being applied are not"
                    + " held back for it, and no later apply tries it again. To write it: make the target take it (remove the row"
                    + " holding its key, or change the constraint or trigger that refuses it), then roll back batch %d, approve it"
                    + " again and apply it.", refusal.user(), refusal.batch(), refusal.entity(), refusal.keyJson(), refusal.message(), refusal.batch()));
        }
        return chunkRows;
    }

    private void markFailed(String user, String message) throws SQLException {
        retry.run(() -> Transactions.inTransaction(workspace.target(), connection -> {
            store.holdBack(connection, List.of(user), UserStatus.FAILED, message);
            store.recordOutcomes(connection, runId, batchNo, ApplyStore.Outcome.FAILED, Map.of(user, 0), Map.of(user, message));
            return null;
        }), listener::onNote);
        tally.failed();
        listener.onUser(user, ApplyListener.Outcome.FAILED, 0, message);
    }

    /** A failure as one line for the operator: the database's message and SQLSTATE, or the Java error's. */
    static String describe(Throwable e) {
        if (e instanceof SQLException sql) {
            return Retry.describe(sql);
        }
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message.strip());
    }
}
