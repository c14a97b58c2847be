package dev.backfill.model;

import dev.backfill.engine.Apply;
import dev.backfill.engine.ApplyListener;
import dev.backfill.engine.Approvals;
import dev.backfill.engine.Cancellation;
import dev.backfill.engine.DryRun;
import dev.backfill.engine.Pause;
import dev.backfill.engine.Progress;
import dev.backfill.engine.ProgressListener;
import dev.backfill.engine.Rollback;
import dev.backfill.engine.Rollback.DriftChoice;
import dev.backfill.engine.Workspace;
import dev.backfill.errors.BackfillException;
import dev.backfill.errors.InvalidInputException;
import dev.backfill.errors.RefusedException;
import dev.backfill.lifecycle.BatchQueue;
import dev.backfill.lifecycle.BatchState;
import dev.backfill.lifecycle.BatchView;
import dev.backfill.lifecycle.Decision;
import dev.backfill.lifecycle.UserStatus;
import dev.backfill.model.Command.Stop;
import dev.backfill.parity.Parity;
import dev.backfill.plan.Entity;
import dev.backfill.testing.Tables;
import dev.backfill.testing.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * The state of one operator sequence: runs each command through the engine (the services the CLI
 * calls), predicts from an independent model what it must do (refused or not, which users apply,
 * which rows drifted, on the community demo also which rows that reference the batch drifted), and
 * checks the invariants of the control schema and the target after every step (on the community demo
 * also {@link CommunityOracle}'s: the rows the migrated members can have, and those that wait). Every
 * failure carries the sequence so far as CLI commands.
 */
final class Operator {
    /** What the model knows a user was reviewed (or approved) with: its legacy and target versions and the plan version. */
    private record Review(int legacy, String target, int plan) {}

    /** One user of the control schema. */
    record UserRow(String user, Integer batch, UserStatus status) {}

    /** One target row an active ledger row names: who wrote it in which batch. */
    record Written(String table, String id, String user, int batch, Long rowHash) {
        String key() {
            return table + ":" + id;
        }
    }

    /**
     * A row the live app created outside the ledger, for a user not migrated. {@code meets}: what of the
     * user's planned rows it meets (a part name by natural key, or a session id by id), or null;
     * {@code blocks}: it takes a value the user's row needs (a session's id, a member's handle), so that
     * the user's apply fails until the live app deletes it.
     */
    private record LiveRow(String user, String table, String text, String meets, boolean blocks) {}

    private static final ExecutorService PROCESSES = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "model-apply-process");
        thread.setDaemon(true);
        return thread;
    });

    /** Counts and times across the run, printed at the end: what the sequences exercised. */
    static final Map<String, long[]> STATS = new ConcurrentHashMap<>();

    static void count(String what, long nanos) {
        long[] entry = STATS.computeIfAbsent(what, k -> new long[2]);
        synchronized (entry) {
            entry[0]++;
            entry[1] += nanos;
        }
    }

    static String stats() {
        StringBuilder out = new StringBuilder();
        new TreeMap<>(STATS).forEach((what, entry) -> out.append(String.format("  %-48s %7d %9.1f ms%n", what, entry[0], entry[1] / 1e6)));
        return out.toString();
    }

    /** One generated step: a command, and whether it was run as the hint of the refusal before it. */
    record Step(Command command, boolean hint) {}

    private final List<Step> steps = new ArrayList<>();
    private boolean ending;
    private final ModelLab lab;
    private final List<String> transcript = new ArrayList<>();
    private int version;

    // the model
    private final Map<String, Integer> legacyVersion = new HashMap<>();
    private final Map<String, Review> reviewed = new HashMap<>();
    private final Map<Long, Map<String, Review>> approvals = new HashMap<>();
    private final Map<Long, Integer> approvalPlan = new HashMap<>();
    private long approvalsSeen;
    private Integer lastDryRunPlan;
    private boolean fullDryRunDone;
    private final Map<String, LiveRow> liveInserted = new LinkedHashMap<>();
    private final Map<String, String> appChanged = new HashMap<>();
    private final Map<String, String> appDeleted = new HashMap<>();
    /** The value the live app last wrote into a row apply wrote ("table:id" → column, value): the expected content is that. */
    private final Map<String, Map.Entry<String, String>> appValues = new HashMap<>();
    /** The community oracle's expectations since the last legacy edit, per set of migrated members (sorted). */
    private final Map<String, CommunityOracle.Expected> editedExpected = new HashMap<>();
    private BackfillException lastRefusal;
    private boolean killedRunPending;
    private int edits;
    private int hintsFollowed;
    /** Whether target rows or the ledger may have changed since the last hash check. */
    private boolean rowsChanged = true;
    /** The last step was refused and left users, batches and ledger as they were: the full check can be skipped. */
    private boolean untouched;

    // the state read back after each step
    private List<UserRow> users = List.of();
    private Map<String, UserRow> userByKey = Map.of();
    private List<BatchView> batches = List.of();
    private List<Written> written = List.of();

    Operator(ModelLab lab) {
        this.lab = lab;
        long start = System.nanoTime();
        try {
            lab.reset();
        } catch (SQLException e) {
            throw new IllegalStateException("could not reset the model database: " + e.getMessage(), e);
        }
        lab.users().forEach(u -> {
            legacyVersion.put(u, 0);
        });
        refresh();
        count("reset", System.nanoTime() - start);
    }

    // ---------------------------------------------------------------- what the generator sees

    List<String> allUsers() {
        return lab.users();
    }

    List<UserRow> users() {
        return users;
    }

    List<BatchView> batches() {
        return batches;
    }

    List<Written> writtenRows() {
        return written.stream().filter(w -> !appDeleted.containsKey(w.key())).toList();
    }

    int version() {
        return version;
    }

    Optional<BackfillException> lastRefusal() {
        return Optional.ofNullable(lastRefusal);
    }

    boolean migrated(String user) {
        UserRow row = userByKey.get(user);
        return row != null && row.status() == UserStatus.MIGRATED;
    }

    /** The SQL condition naming a target row by its identity text. */
    String whereKey(String table, String id) {
        return lab.kind().table(table).where(id);
    }

    /** How the lab's plan file is edited to get to a version. */
    String planEdit(int toVersion) {
        return lab.kind().planEdit(toVersion);
    }

    int nextEdit() {
        return ++edits;
    }

    /**
     * (user, part name) pairs a live-app part would meet: a legacy part name of a user not migrated,
     * with no part of that name for the user in the target yet.
     */
    List<List<String>> liveInsertCandidates() {
        try {
            Set<String> taken = new HashSet<>(Tables.rows(lab.target(), "select user_id::text || '/' || name from parts_v2"));
            List<List<String>> candidates = new ArrayList<>();
            for (String pair : Tables.rows(lab.legacy(), "select distinct user_id || '/' || trim(name) from parts where name is not null"
                    + " order by 1")) {
                String user = pair.substring(0, pair.indexOf('/'));
                if (!migrated(user) && !taken.contains(pair)) {
                    candidates.add(List.of(user, pair.substring(pair.indexOf('/') + 1)));
                }
            }
            return candidates;
        } catch (SQLException e) {
            throw failure("reading the legacy parts failed", e);
        }
    }

    /**
     * Which live-app rows a user's planned rows meet now (what the target fingerprint of a review says):
     * its parts whose name a live-app part of the user carries, its sessions whose id a live-app session takes.
     */
    private String targetSignature(String user) {
        List<LiveRow> rows = liveInserted.values().stream().filter(r -> r.user().equals(user) && r.meets() != null).toList();
        if (rows.isEmpty()) {
            return "";
        }
        try {
            Set<String> names = new HashSet<>(Tables.rows(lab.legacy(), "select trim(name) from parts where user_id = '" + user
                    + "' and name is not null"));
            Set<String> sessions = new HashSet<>(Tables.rows(lab.legacy(), "select id::text from sessions where user_id = '" + user
                    + "' and start_time is not null"));
            return rows.stream().filter(r -> r.table().endsWith("parts_v2") ? names.contains(r.meets()) : sessions.contains(r.meets()))
                    .map(r -> r.table() + ":" + r.meets()).sorted().toList().toString();
        } catch (SQLException e) {
            throw failure("reading the legacy rows of " + user + " failed", e);
        }
    }

    /** A user a live-app row keeps from being migrated (its handle: a live-app session with the id of one of its sessions is a finding at review instead). */
    boolean blocked(String user) {
        return liveInserted.values().stream().anyMatch(r -> r.blocks() && r.user().equals(user));
    }

    /** Rows the live app created for users not migrated, which it may delete again: "table:id". */
    List<String> ownLiveRows() {
        return liveInserted.entrySet().stream().filter(e -> !migrated(e.getValue().user())).map(Map.Entry::getKey).toList();
    }

    /** (user, legacy session id) pairs of users not migrated whose session id no target row has yet. */
    List<List<String>> liveIdCandidates() {
        try {
            Set<String> taken = new HashSet<>(Tables.rows(lab.target(), "select id::text from sessions_v2"));
            List<List<String>> candidates = new ArrayList<>();
            for (String pair : Tables.rows(lab.legacy(), "select user_id || '/' || id from sessions where start_time is not null order by 1")) {
                String user = pair.substring(0, pair.indexOf('/'));
                String id = pair.substring(pair.indexOf('/') + 1);
                if (!migrated(user) && !taken.contains(id) && !blocked(user)) {
                    candidates.add(List.of(user, id));
                }
            }
            return candidates;
        } catch (SQLException e) {
            throw failure("reading the legacy sessions failed", e);
        }
    }

    /** Ids of a user's legacy rows of a table where {@code column} is not null, to change one. */
    List<String> legacyIds(String table, String column, String user) {
        try {
            return Tables.rows(lab.legacy(), "select id::text from " + table + " where user_id = '" + user + "' and " + column
                    + " is not null order by id");
        } catch (SQLException e) {
            throw failure("reading the legacy " + table + " of " + user + " failed", e);
        }
    }

    /** Members not migrated, whose legacy rows the community lab may edit (a migrated member's rows are as apply wrote them). */
    List<String> membersNotMigrated() {
        return lab.users().stream().filter(u -> !migrated(u)).toList();
    }

    /** Ids of a member's legacy posts or comments, to change one's body. */
    List<String> authoredIds(String table, String member) {
        try {
            return Tables.rows(lab.legacy(), "select id::text from " + table + " where author_id = '" + member + "' order by id");
        } catch (SQLException e) {
            throw failure("reading the legacy " + table + " of " + member + " failed", e);
        }
    }

    /** (member, handle as members_v2 will hold it) of members not migrated that no live-app member blocks yet. */
    List<List<String>> memberHandleCandidates() {
        try {
            List<List<String>> candidates = new ArrayList<>();
            for (String pair : Tables.rows(lab.legacy(), "select id::text || '/' || lower(btrim(handle)) from members order by 1")) {
                String member = pair.substring(0, pair.indexOf('/'));
                if (!migrated(member) && !blocked(member)) {
                    candidates.add(List.of(member, pair.substring(pair.indexOf('/') + 1)));
                }
            }
            return candidates;
        } catch (SQLException e) {
            throw failure("reading the legacy members failed", e);
        }
    }

    String reproduction() {
        LabDemo kind = lab.kind();
        String plan = "demo/" + lab.planFileName();
        StringBuilder out = new StringBuilder();
        out.append("  bin/backfill demo --scenario ").append(kind.scenario()).append(" --users ").append(kind.users())
                .append(" --dir demo   # then set 'batch: { users: ").append(kind.batchUsers())
                .append(" }' in ").append(plan).append("; PLAN = ").append(plan).append("\n");
        transcript.forEach(line -> out.append("  ").append(line).append('\n'));
        return out.toString();
    }

    AssertionError failure(String what, Throwable cause) {
        AssertionError error = new AssertionError(what + "\n\nReproduction (" + transcript.size() + " step(s)):\n" + reproduction(), cause);
        return error;
    }

    AssertionError failure(String what) {
        return failure(what, null);
    }

    private Workspace ws() {
        return lab.workspace(version);
    }

    /** What the community demo's target must hold for these members, from the legacy rows as they are now. */
    private CommunityOracle.Expected expectedFor(Set<String> members) {
        if (legacyVersion.values().stream().allMatch(v -> v == 0)) {
            return lab.oracle().expected(members, true);
        }
        return editedExpected.computeIfAbsent(members.toString(), k -> lab.oracle().expected(members, false));
    }

    private Review current(String user) {
        return new Review(legacyVersion.get(user), targetSignature(user), version);
    }

    // ---------------------------------------------------------------- running commands

    /** Runs one step of the sequence, checks what the model predicts, and reads the state back. */
    void execute(Command command) {
        if (!ending) {
            steps.add(new Step(command, false));
        }
        transcript.add(command.cli());
        lastRefusal = null;
        long start = System.nanoTime();
        List<UserRow> usersBefore = users;
        List<BatchView> batchesBefore = batches;
        List<Written> writtenBefore = written;
        runCommand(command);
        count("command " + command.getClass().getSimpleName() + (command instanceof Command.Apply a ? " " + a.stop() : "")
                + (lastRefusal != null ? " (refused)" : ""), System.nanoTime() - start);
        refresh();
        untouched = lastRefusal != null;
        if (untouched && !(users.equals(usersBefore) && batches.equals(batchesBefore) && written.equals(writtenBefore))) {
            throw failure("'" + command.cli() + "' was refused, yet it changed the users, batches or ledger (a refusal touches nothing):\n"
                    + "  before " + usersBefore + " " + batchesBefore + "\n  after  " + users + " " + batches);
        }
    }

    /** Runs the first hint of the last refusal: the lifecycle promises that every hint is accepted where it is given. */
    void followHint(BackfillException refusal, Command hint) {
        if (!ending) {
            steps.add(new Step(hint, true));
        }
        transcript.add(hint.cli() + "   # the first hint of the refusal above");
        lastRefusal = null;
        hintsFollowed++;
        runCommand(hint);
        refresh();
        if (lastRefusal != null && !isDriftRefusal(lastRefusal)) {
            throw failure("The hint '" + refusal.hints().get(0) + "' of the refusal \"" + refusal.getMessage() + "\" is itself refused: \""
                    + lastRefusal.getMessage() + "\" (hints " + lastRefusal.hints() + ")");
        }
    }

    private static boolean isDriftRefusal(BackfillException refusal) {
        return refusal.getMessage().contains("changed in the target since apply");
    }

    private void runCommand(Command command) {
        if (command instanceof Command.Apply || command instanceof Command.Rollback || command instanceof Command.LiveUpdate
                || command instanceof Command.LiveDelete) {
            rowsChanged = true;
        }
        if (command instanceof Command.DryRunAll) {
            dryRunAll();
        } else if (command instanceof Command.DryRunUser c) {
            dryRunUser(c.user());
        } else if (command instanceof Command.FormBatch c) {
            formBatch(c.users());
        } else if (command instanceof Command.ApproveNext c) {
            approve(null, c.count());
        } else if (command instanceof Command.ApproveBatch c) {
            approve(c.batch(), 0);
        } else if (command instanceof Command.Apply c) {
            apply(c);
        } else if (command instanceof Command.Rollback c) {
            rollback(c.batch(), c.choice());
        } else if (command instanceof Command.Pause) {
            pause();
        } else if (command instanceof Command.ReadOnly c) {
            readOnly(c.cli());
        } else if (command instanceof Command.LegacyEdit c) {
            sql(lab.legacy(), "update " + c.table() + " set " + c.column() + " = " + (c.value() == null ? "null" : ModelLab.quote(c.value()))
                    + " where id = '" + c.id() + "'");
            lab.legacyChanged();
            legacyVersion.merge(c.user(), 1, Integer::sum);
            editedExpected.clear();
        } else if (command instanceof Command.LiveUpdate c) {
            String owner = ownerOf(c.table(), c.id());
            sql(lab.target(), "update " + c.table() + " set " + c.column() + " = " + ModelLab.quote(c.value()) + " where "
                    + lab.kind().table(c.table()).where(c.id()));
            appChanged.put(c.table() + ":" + c.id(), owner);
            appValues.put(c.table() + ":" + c.id(), Map.entry(c.column(), c.value()));
        } else if (command instanceof Command.LiveDelete c) {
            String owner = ownerOf(c.table(), c.id());
            sql(lab.target(), "delete from " + c.table() + " where " + lab.kind().table(c.table()).where(c.id()));
            appChanged.remove(c.table() + ":" + c.id());
            appValues.remove(c.table() + ":" + c.id());
            appDeleted.put(c.table() + ":" + c.id(), owner);
        } else if (command instanceof Command.LiveInsert c) {
            if (migrated(c.user())) {
                throw failure("the model inserts live-app parts only for users not migrated");
            }
            sql(lab.target(), "insert into parts_v2 (id, user_id, name, charge, created_at) values ('" + c.id() + "', '" + c.user() + "', "
                    + ModelLab.quote(c.name()) + ", 'neutral', '" + Command.LIVE_CREATED_AT + "')");
            try {
                liveInserted.put("parts_v2:" + c.id(), new LiveRow(c.user(), "public.parts_v2",
                        Tables.rows(lab.target(), "select t::text from parts_v2 t where id = '" + c.id() + "'").get(0), c.name(), false));
            } catch (SQLException e) {
                throw failure("reading the live-app row back failed", e);
            }
        } else if (command instanceof Command.LiveInsertById c) {
            if (migrated(c.user())) {
                throw failure("the model inserts live-app rows only for users not migrated");
            }
            sql(lab.target(), "insert into sessions_v2 (id, user_id, started_at, summary) values ('" + c.id() + "', '" + c.user() + "', '"
                    + c.startedAt() + "', 'created by the live app')");
            try {
                liveInserted.put("sessions_v2:" + c.id(), new LiveRow(c.user(), "public.sessions_v2",
                        Tables.rows(lab.target(), "select t::text from sessions_v2 t where id = '" + c.id() + "'").get(0), c.id(), false));
            } catch (SQLException e) {
                throw failure("reading the live-app row back failed", e);
            }
        } else if (command instanceof Command.LiveInsertMember c) {
            if (migrated(c.user())) {
                throw failure("the model inserts live-app members only for members not migrated");
            }
            sql(lab.target(), "insert into members_v2 (id, handle, display_name, created_at) values ('" + c.id() + "', "
                    + ModelLab.quote(c.handle()) + ", 'created by the live app', '" + Command.LIVE_CREATED_AT + "')");
            try {
                liveInserted.put("members_v2:" + c.id(), new LiveRow(c.user(), "public.members_v2",
                        Tables.rows(lab.target(), "select t::text from members_v2 t where id = '" + c.id() + "'").get(0), null, true));
            } catch (SQLException e) {
                throw failure("reading the live-app row back failed", e);
            }
        } else if (command instanceof Command.LiveDeleteOwn c) {
            LiveRow row = liveInserted.remove(c.table() + ":" + c.id());
            if (row == null || migrated(row.user())) {
                throw failure("the model deletes only live-app rows of users not migrated");
            }
            sql(lab.target(), "delete from " + c.table() + " where " + lab.kind().table(c.table()).where(c.id()));
        } else if (command instanceof Command.PlanEdit c) {
            version = c.toVersion();
        } else {
            throw new IllegalArgumentException("unknown command " + command);
        }
    }

    private String ownerOf(String table, String id) {
        return written.stream().filter(w -> w.table().equals(table) && w.id().equals(id)).map(Written::user).findFirst()
                .orElseThrow(() -> failure("the model only lets the live app change rows apply wrote, not " + table + " " + id));
    }

    private void sql(Connection connection, String sql) {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw failure("'" + sql + "' failed: " + e.getMessage(), e);
        }
    }

    /** What an engine call did: its result, or the refusal (a refused or invalid command). */
    private record Outcome<T>(T result, BackfillException refusal) {
        boolean refused() {
            return refusal != null;
        }
    }

    private <T> Outcome<T> attempt(Callable<T> call) {
        try {
            return new Outcome<>(call.call(), null);
        } catch (RefusedException | InvalidInputException e) {
            transcript.add("    -> refused (" + (e instanceof RefusedException ? "exit 4" : "exit 2") + "): " + firstLine(e.getMessage())
                    + (e.hints().isEmpty() ? "" : "  hints: " + e.hints()));
            lastRefusal = e;
            return new Outcome<>(null, e);
        } catch (AssertionError e) {
            throw e;
        } catch (Exception | Error e) {
            throw failure("'" + transcript.get(transcript.size() - 1) + "' failed with " + e, e);
        }
    }

    private static String firstLine(String text) {
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline) + " ...";
    }

    private void expect(Outcome<?> outcome, boolean refused, String why) {
        if (outcome.refused() != refused) {
            throw failure(refused ? "Expected a refusal (" + why + "), but the command was carried out."
                    : "Expected the command to be carried out (" + why + "), but it was refused: " + outcome.refusal().getMessage(),
                    outcome.refusal());
        }
    }

    private void expectRefusal(Outcome<?> outcome, Class<? extends BackfillException> kind, String message, String why) {
        expect(outcome, true, why);
        if (!kind.isInstance(outcome.refusal())) {
            throw failure("Expected " + kind.getSimpleName() + " (" + why + "), got " + outcome.refusal(), outcome.refusal());
        }
        if (message != null && !outcome.refusal().getMessage().contains(message)) {
            throw failure("The refusal does not say what the batch queue says (" + why + "): expected \"" + message + "\", got \""
                    + outcome.refusal().getMessage() + "\"", outcome.refusal());
        }
    }

    private BatchQueue queue() {
        try {
            return ws().control().queue();
        } catch (SQLException e) {
            throw failure("reading the batch queue failed", e);
        }
    }

    /** The queue's decision, or the invalid-input error it raises for a batch that does not exist. */
    private Decision decide(java.util.function.Supplier<Decision> decision, Outcome<?>[] invalid) {
        try {
            return decision.get();
        } catch (InvalidInputException e) {
            invalid[0] = new Outcome<>(null, e);
            return null;
        }
    }

    private void dryRunAll() {
        Map<String, UserRow> before = userByKey;
        Outcome<DryRun.Result> outcome = attempt(() -> new DryRun(ws()).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation()));
        killedRunPending = false;
        expect(outcome, false, "a full dry run can always run");
        for (String user : lab.users()) {
            UserRow row = before.get(user);
            if (row == null || row.status() != UserStatus.MIGRATED) {
                reviewed.put(user, current(user));
            }
        }
        lastDryRunPlan = version;
        fullDryRunDone = true;
    }

    private void dryRunUser(String user) {
        boolean migrated = migrated(user);
        Outcome<DryRun.Result> outcome = attempt(() -> new DryRun(ws()).run(DryRun.Options.single(user), ProgressListener.NONE,
                new Cancellation()));
        killedRunPending = false;
        if (migrated) {
            expectRefusal(outcome, RefusedException.class, "is already migrated", "the user is migrated");
            return;
        }
        expect(outcome, false, "the user is not migrated");
        reviewed.put(user, current(user));
        lastDryRunPlan = version;
    }

    private void formBatch(List<String> named) {
        Map<Integer, BatchState> states = new HashMap<>();
        batches.forEach(b -> states.put(b.number(), b.state()));
        boolean refused = false;
        boolean unknown = false;
        for (String user : named) {
            UserRow row = userByKey.get(user);
            if (row == null) {
                unknown = true;
            } else if (row.status() == UserStatus.MIGRATED || (row.batch() != null
                    && (states.get(row.batch()) == BatchState.APPROVED || states.get(row.batch()) == BatchState.APPLYING))) {
                refused = true;
            }
        }
        Outcome<Integer> outcome = attempt(() -> new Approvals(ws()).formBatch(named));
        if (refused) {
            expectRefusal(outcome, RefusedException.class, null, "a named user is migrated or in a batch approved or being applied");
        } else if (unknown) {
            expectRefusal(outcome, InvalidInputException.class, "Not in the latest dry run", "a named user is in no dry run yet");
        } else {
            expect(outcome, false, "every named user is reviewed and movable");
        }
    }

    private void approve(Integer batch, int count) {
        BatchQueue queue = queue();
        // the queue's rules over the batches alone; the reviews (which the model tracks itself) come after them
        BatchQueue structural = new BatchQueue(ws().plan().name(), queue.batches());
        String why;
        Class<? extends BackfillException> kind = RefusedException.class;
        String message = null;
        boolean refused;
        Outcome<?>[] invalid = new Outcome<?>[1];
        Decision decision = decide(() -> batch != null ? structural.approve(batch) : structural.approveNext(count), invalid);
        if (decision == null) {
            refused = true;
            kind = InvalidInputException.class;
            why = "there is no batch " + batch;
            message = invalid[0].refusal().getMessage();
        } else if (!decision.allowed() && !decision.refusal().contains("changed after their review")) {
            refused = true;
            why = "the batch queue refuses it";
            message = firstSentence(decision.refusal());
        } else if (!decision.allowed() && Objects.equals(lastDryRunPlan, version)) {
            // users held back for a change since their review; if some were also reviewed under an earlier plan, that comes first
            refused = true;
            why = "users of the batch changed after their review";
            message = null;
        } else if (lastDryRunPlan == null) {
            refused = true;
            why = "no dry run finished yet";
            message = "has no finished dry run";
        } else if (lastDryRunPlan != version) {
            refused = true;
            why = "the latest dry run reviewed another version of the plan file";
            message = "The plan file changed since the last dry run";
        } else {
            refused = false;
            why = "the batch queue allows it and every user is reviewed under this plan";
            for (BatchView chosen : decision.batches()) {
                String changed = null;
                String stale = null;
                for (UserRow user : users) {
                    if (!Objects.equals(user.batch(), chosen.number()) || user.status() == UserStatus.MIGRATED) {
                        continue;
                    }
                    Review review = reviewed.get(user.user());
                    if (review == null || review.plan() != version) {
                        stale = "user " + user.user() + " of batch " + chosen.number() + " was reviewed under another plan version";
                    } else if (user.status().needsReview()) {
                        changed = "user " + user.user() + " of batch " + chosen.number() + " is " + user.status() + " and not reviewed again";
                    }
                }
                // a review under an earlier plan is the first thing to put right: the full dry run reviews every user
                if (stale != null || changed != null) {
                    refused = true;
                    why = stale != null ? stale : changed;
                    message = stale != null ? "were reviewed under an earlier version" : "changed after their review";
                    break;
                }
            }
        }
        // what the workbench's Approve button shows is what approving does
        Decision shown = decide(() -> batch != null ? queue.approve(batch) : queue.approveNext(count), new Outcome<?>[1]);
        if (shown != null && shown.allowed() == refused) {
            throw failure("The batch queue " + (shown.allowed() ? "allows" : "refuses (" + shown.refusal() + ")") + " this approval, yet the"
                    + " model expects it " + (refused ? "refused: " : "allowed: ") + why);
        }
        Outcome<Approvals.Approved> outcome = attempt(() -> batch != null ? new Approvals(ws()).approve(batch, "model@test")
                : new Approvals(ws()).approveNext(count, "model@test"));
        if (refused) {
            expectRefusal(outcome, kind, message, why);
            return;
        }
        expect(outcome, false, why);
        List<Integer> expected = decision.batches().stream().map(BatchView::number).toList();
        if (!outcome.result().batches().equals(expected)) {
            throw failure("approve approved batches " + outcome.result().batches() + ", the batch queue chose " + expected);
        }
        recordApprovals();
    }

    private static String firstSentence(String text) {
        int end = text.indexOf(". ");
        return end < 0 ? text : text.substring(0, end + 1);
    }

    /** The approvals just given: which version of each user they cover, under which plan version. */
    private void recordApprovals() {
        try {
            for (String id : Tables.rows(lab.target(), "select approval_id::text from backfill.approvals where approval_id > " + approvalsSeen)) {
                approvalPlan.put(Long.valueOf(id), version);
                approvals.put(Long.valueOf(id), new HashMap<>());
            }
            try (PreparedStatement statement = lab.target().prepareStatement("select approval_id, user_key from backfill.approval_users"
                    + " where approval_id > ? order by 1, 2")) {
                statement.setLong(1, approvalsSeen);
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        long id = rows.getLong(1);
                        String user = rows.getString(2);
                        Review review = reviewed.get(user);
                        if (review == null) {
                            throw failure("approval " + id + " covers user " + user + ", whom no dry run reviewed");
                        }
                        approvals.get(id).put(user, review);
                    }
                }
            }
            approvalsSeen = Tables.count(lab.target(), "select coalesce(max(approval_id), 0) from backfill.approvals");
        } catch (SQLException e) {
            throw failure("reading the approvals back failed", e);
        }
    }

    /** Collects apply's per-user outcomes and stops it where the command says. */
    private final class Recorder implements ApplyListener {
        final Map<String, Outcome2> outcomes = new ConcurrentHashMap<>();
        final List<String> twice = Collections.synchronizedList(new ArrayList<>());
        final List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger applied = new AtomicInteger();
        volatile IntConsumer onApplied = n -> {};

        @Override
        public void onProgress(Progress progress) {
        }

        @Override
        public void onUser(String user, ApplyListener.Outcome outcome, int rows, String message) {
            if (outcomes.put(user, new Outcome2(outcome, message)) != null) {
                twice.add(user);
            }
            if (outcome == ApplyListener.Outcome.APPLIED) {
                try {
                    onApplied.accept(applied.incrementAndGet());
                } catch (RuntimeException e) {
                    errors.add(e);
                }
            }
        }
    }

    private record Outcome2(ApplyListener.Outcome outcome, String message) {}

    private void apply(Command.Apply command) {
        BatchQueue queue = queue();
        Outcome<?>[] invalid = new Outcome<?>[1];
        Decision decision = decide(() -> command.batch() == null ? queue.applyNext() : queue.apply(command.batch()), invalid);
        Map<String, ApplyListener.Outcome> predicted = new TreeMap<>();
        Long approvalId = null;
        BatchView batch = decision != null && decision.allowed() ? decision.batch() : null;
        if (batch != null && batch.state() != BatchState.APPLIED) {
            approvalId = approvalOf(batch.number());
            if (approvalId == null) {
                throw failure("batch " + batch.number() + " is " + batch.state() + " without an approval in force, yet the queue lets it apply");
            }
            if (!Objects.equals(approvalPlan.get(approvalId), version)) {
                throw failure("batch " + batch.number() + " may be applied under approval " + approvalId + ", given under plan version "
                        + approvalPlan.get(approvalId) + ", but the plan file is version " + version + " now");
            }
            Map<String, Review> approved = approvals.getOrDefault(approvalId, Map.of());
            for (UserRow user : users) {
                if (Objects.equals(user.batch(), batch.number()) && user.status() == UserStatus.APPROVED) {
                    Review review = approved.get(user.user());
                    if (review == null) {
                        throw failure("user " + user.user() + " is approved in batch " + batch.number() + " but approval " + approvalId
                                + " does not cover it");
                    }
                    predicted.put(user.user(), review.legacy() != legacyVersion.get(user.user()) ? ApplyListener.Outcome.SOURCE_CHANGED
                            : !review.target().equals(targetSignature(user.user())) ? ApplyListener.Outcome.TARGET_CHANGED
                            : blocked(user.user()) ? ApplyListener.Outcome.FAILED
                            : ApplyListener.Outcome.APPLIED);
                }
            }
        }
        Recorder recorder = new Recorder();
        boolean takesLock = decision == null || decision.allowed() || command.batch() != null;
        Outcome<Apply.Result> outcome;
        boolean killed = false;
        if (command.stop() == Stop.KILL) {
            KillResult kill = applyAndKill(command, recorder);
            outcome = kill.outcome();
            killed = kill.killed();
        } else {
            Apply.PauseSignal pause = new Apply.PauseSignal();
            if (command.stop() == Stop.CTRL_C) {
                recorder.onApplied = n -> {
                    if (n == command.afterUsers()) {
                        pause.request();
                    }
                };
            } else if (command.stop() == Stop.PAUSE_COMMAND) {
                recorder.onApplied = n -> {
                    if (n == command.afterUsers()) {
                        try {
                            new Pause(lab.workspace(version)).request();
                        } catch (SQLException e) {
                            throw new IllegalStateException("backfill pause failed: " + e.getMessage(), e);
                        }
                    }
                };
            }
            Apply apply = new Apply(ws(), command.chunk(), 0, command.writers(), Apply.DEFAULT_LEASE_SECONDS);
            outcome = attempt(() -> command.batch() == null ? apply.applyNext(recorder, pause) : apply.apply(command.batch(), recorder, pause));
        }
        if (takesLock) {
            killedRunPending = killed;
        }
        if (!recorder.errors.isEmpty()) {
            throw failure("stopping the apply failed: " + recorder.errors.get(0), recorder.errors.get(0));
        }
        if (!recorder.twice.isEmpty()) {
            throw failure("apply reported users twice: " + recorder.twice);
        }
        if (decision == null) {
            expectRefusal(outcome, InvalidInputException.class, invalid[0].refusal().getMessage(), "there is no such batch");
            return;
        }
        if (!decision.allowed()) {
            expectRefusal(outcome, RefusedException.class, decision.refusal(), "the batch queue refuses it");
            return;
        }
        expect(outcome, false, "the batch queue allows it");
        if (outcome.result() != null && outcome.result().nothingToDo() != (batch.state() == BatchState.APPLIED)) {
            throw failure("apply said nothing to do = " + outcome.result().nothingToDo() + " for a batch that was " + batch.state());
        }
        boolean complete = command.stop() == Stop.NONE || (outcome.result() != null && !outcome.result().paused() && !killed);
        for (Map.Entry<String, ApplyListener.Outcome> user : predicted.entrySet()) {
            Outcome2 seen = recorder.outcomes.get(user.getKey());
            if (seen == null) {
                if (complete) {
                    throw failure("apply of batch " + batch.number() + " gave no outcome for approved user " + user.getKey()
                            + " (expected " + user.getValue() + ")");
                }
                continue;
            }
            count("apply outcome " + seen.outcome(), 0);
            if (seen.outcome() != user.getValue()) {
                throw failure("apply of batch " + batch.number() + " says " + seen.outcome() + " for user " + user.getKey() + " ("
                        + seen.message() + "), the model expects " + user.getValue() + " (approved with " + approvals.get(approvalId)
                        .get(user.getKey()) + ", legacy version now " + legacyVersion.get(user.getKey()) + ", target version now "
                        + targetSignature(user.getKey()) + ")");
            }
        }
        for (String user : recorder.outcomes.keySet()) {
            if (!predicted.containsKey(user)) {
                throw failure("apply of batch " + batch.number() + " gave an outcome for " + user + ", who was not approved in it");
            }
        }
        refresh();
        for (Map.Entry<String, Outcome2> seen : recorder.outcomes.entrySet()) {
            UserRow row = userByKey.get(seen.getKey());
            UserStatus expected = switch (seen.getValue().outcome()) {
                case APPLIED -> UserStatus.MIGRATED;
                case FAILED -> UserStatus.FAILED;
                case SOURCE_CHANGED -> UserStatus.SOURCE_CHANGED;
                case TARGET_CHANGED -> UserStatus.TARGET_CHANGED;
            };
            if (row == null || row.status() != expected) {
                throw failure("apply reported " + seen.getValue().outcome() + " for " + seen.getKey() + ", but its status is "
                        + (row == null ? "gone" : row.status()));
            }
        }
    }

    private record KillResult(Outcome<Apply.Result> outcome, boolean killed) {}

    /**
     * Runs the apply in a workspace of its own, as a separate process, and kills that process while it
     * writes the chunk after the given number of applied users: the chunk's transaction has written the
     * target rows and waits for the ledger, which the test holds locked; then every connection of the
     * process is cut, so PostgreSQL rolls that transaction back, as when the process dies.
     */
    private KillResult applyAndKill(Command.Apply command, Recorder recorder) {
        Workspace process = lab.openProcess(version);
        AtomicBoolean locked = new AtomicBoolean();
        boolean killed = false;
        try (Connection locker = TestPostgres.connect(lab.targetDb())) {
            locker.setAutoCommit(false);
            recorder.onApplied = n -> {
                if (n == command.afterUsers()) {
                    try (Statement statement = locker.createStatement()) {
                        statement.execute("lock table backfill.ledger in share mode");
                        locked.set(true);
                    } catch (SQLException e) {
                        throw new IllegalStateException("could not lock the ledger: " + e.getMessage(), e);
                    }
                }
            };
            Apply apply = new Apply(process, command.chunk(), 0, command.writers(), Apply.DEFAULT_LEASE_SECONDS);
            Apply.PauseSignal pause = new Apply.PauseSignal();
            Future<Apply.Result> run = PROCESSES.submit(() -> command.batch() == null ? apply.applyNext(recorder, pause)
                    : apply.apply(command.batch(), recorder, pause));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!run.isDone() && System.nanoTime() < deadline) {
                if (locked.get() && Tables.count(lab.target(), "select count(*) from pg_locks where relation = 'backfill.ledger'::regclass"
                        + " and not granted") > 0) {
                    process.close();
                    killed = true;
                    break;
                }
                Thread.sleep(2);
            }
            locker.rollback();
            Outcome<Apply.Result> outcome;
            try {
                outcome = new Outcome<>(run.get(60, TimeUnit.SECONDS), null);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (!killed && (cause instanceof RefusedException || cause instanceof InvalidInputException)) {
                    BackfillException refusal = (BackfillException) cause;
                    transcript.add("    -> refused: " + firstLine(refusal.getMessage()) + (refusal.hints().isEmpty() ? "" : "  hints: "
                            + refusal.hints()));
                    lastRefusal = refusal;
                    outcome = new Outcome<>(null, refusal);
                } else if (killed) {
                    outcome = new Outcome<>(null, null);
                } else {
                    throw failure("'" + transcript.get(transcript.size() - 1) + "' failed before it was killed: " + cause, cause);
                }
            } catch (TimeoutException e) {
                throw failure("the killed apply did not end within 60 s", e);
            }
            if (killed) {
                count("apply killed mid-chunk", 0);
                transcript.add("    -> killed after " + recorder.applied.get() + " applied user(s)");
            }
            awaitNoPlanLock();
            return new KillResult(outcome, killed);
        } catch (SQLException | InterruptedException e) {
            throw failure("the kill simulation failed: " + e, e);
        } finally {
            if (!killed) {
                process.close();
            }
        }
    }

    /** A killed process's sessions end a moment after its sockets close; the next command must find the plan free. */
    private void awaitNoPlanLock() throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Tables.count(lab.target(), "select count(*) from pg_locks l join pg_database d on d.oid = l.database"
                + " where l.locktype = 'advisory' and d.datname = current_database()") > 0) {
            if (System.nanoTime() > deadline) {
                throw failure("the killed apply's plan lock was not released within 10 s");
            }
            Thread.sleep(5);
        }
    }

    private Long approvalOf(int batch) {
        try {
            List<String> ids = Tables.rows(lab.target(), "select approval_id::text from backfill.batches where plan = '" + lab.planName()
                    + "' and batch_no = " + batch + " and approval_id is not null");
            return ids.isEmpty() ? null : Long.valueOf(ids.get(0));
        } catch (SQLException e) {
            throw failure("reading the approval of batch " + batch + " failed", e);
        }
    }

    /** Whether the live app changed or deleted the row since apply wrote it. */
    private boolean drifted(Written row) {
        return appChanged.containsKey(row.key()) || appDeleted.containsKey(row.key());
    }

    /** Users of the batch with rows the live app changed or deleted since apply. */
    private Set<String> driftedUsers(int batch) {
        Set<String> users = new TreeSet<>();
        written.stream().filter(w -> w.batch() == batch && drifted(w)).forEach(w -> users.add(w.user()));
        return users;
    }

    /**
     * Rows of users of other batches that the live app changed or deleted and that rolling the batch back
     * takes out of the target (its dependants: they reference rows that go): on the community demo, the
     * rows the oracle no longer expects once the batch's users, but those kept, are not migrated.
     */
    private Set<String> driftedDependants(int batch, Set<String> kept) {
        if (!lab.kind().community()) {
            return Set.of();
        }
        Set<String> after = new TreeSet<>();
        users.stream().filter(u -> u.status() == UserStatus.MIGRATED && (!Objects.equals(u.batch(), batch) || kept.contains(u.user())))
                .forEach(u -> after.add(u.user()));
        Set<String> stays = expectedFor(after).rows().keySet();
        Set<String> dependants = new TreeSet<>();
        written.stream().filter(w -> w.batch() != batch && drifted(w) && !stays.contains(w.key())).forEach(w -> dependants.add(w.key()));
        return dependants;
    }

    private void rollback(int batch, DriftChoice choice) {
        BatchQueue queue = queue();
        Outcome<?>[] invalid = new Outcome<?>[1];
        Decision decision = decide(() -> queue.rollBack(batch), invalid);
        Set<String> driftedUsers = driftedUsers(batch);
        Set<String> driftedDependants = decision != null && decision.allowed()
                ? driftedDependants(batch, choice == DriftChoice.KEEP_DRIFTED_USERS ? driftedUsers : Set.of()) : Set.of();
        Outcome<Rollback.Result> outcome = attempt(() -> new Rollback(ws()).run(batch, choice, ProgressListener.NONE));
        killedRunPending = false;
        if (decision == null) {
            expectRefusal(outcome, InvalidInputException.class, invalid[0].refusal().getMessage(), "there is no such batch");
            return;
        }
        if (!decision.allowed()) {
            expectRefusal(outcome, RefusedException.class, decision.refusal(), "the batch queue refuses it");
            return;
        }
        if ((!driftedUsers.isEmpty() || !driftedDependants.isEmpty()) && choice == DriftChoice.REFUSE) {
            expectRefusal(outcome, RefusedException.class, "changed in the target since apply", "the live app changed rows of users "
                    + driftedUsers + (driftedDependants.isEmpty() ? "" : " and rows that reference the batch's: " + driftedDependants));
            return;
        }
        expect(outcome, false, "the batch queue allows it and the drift choice covers the changed rows");
        Set<String> expectedKept = choice == DriftChoice.KEEP_DRIFTED_USERS ? driftedUsers : Set.of();
        if (!driftedUsers.isEmpty()) {
            count("rollback with drift, " + choice, 0);
        }
        if (!driftedDependants.isEmpty()) {
            count("rollback with drifted dependants, " + choice, 0);
        }
        if (!new TreeSet<>(outcome.result().keptUsers()).equals(expectedKept)) {
            throw failure("rollback kept users " + outcome.result().keptUsers() + " migrated, the model expects " + expectedKept);
        }
        if (outcome.result().overwrittenRows() != (choice == DriftChoice.OVERWRITE_DRIFTED ? driftedRows(batch) : 0)
                + driftedDependants.size()) {
            throw failure("rollback saved " + outcome.result().overwrittenRows() + " row(s) the live app changed before overwriting them,"
                    + " the model expects " + (choice == DriftChoice.OVERWRITE_DRIFTED ? driftedRows(batch) : 0) + " of the batch and "
                    + driftedDependants.size() + " of the rows that reference it " + driftedDependants);
        }
        // the rows the rollback took out of the target (the batch's, and its dependants, which go back to waiting) are as
        // apply plans them when they are written again: what the live app did to them is saved, and gone from the target
        refresh();
        Set<String> active = new HashSet<>();
        written.forEach(w -> active.add(w.key()));
        appChanged.keySet().retainAll(active);
        appDeleted.keySet().retainAll(active);
        appValues.keySet().retainAll(active);
    }

    /** Rows of the batch the live app changed or deleted. */
    private long driftedRows(int batch) {
        return written.stream().filter(w -> w.batch() == batch && drifted(w)).count();
    }

    private void pause() {
        Decision decision = queue().pause();
        Outcome<Integer> outcome = attempt(() -> new Pause(ws()).request());
        if (!decision.allowed()) {
            expectRefusal(outcome, RefusedException.class, decision.refusal(), "no batch is being applied");
        } else {
            expect(outcome, false, "batch " + decision.batch().number() + " is being applied");
        }
    }

    private void readOnly(String cli) {
        Outcome<?> outcome;
        if (cli.startsWith("backfill parity")) {
            outcome = attempt(() -> new Parity(ws()).compute());
        } else if (cli.startsWith("backfill batches")) {
            outcome = attempt(() -> ws().control().queue());
        } else {
            return;
        }
        expect(outcome, false, "it only reads");
    }

    // ---------------------------------------------------------------- reading the state back

    /** A ledger key ({@code k.value}, a JSON array of the identity's values) as the identity text {@link LabDemo.Table} uses. */
    private static final String KEY_TEXT = "(select string_agg(e, ',' order by o) from jsonb_array_elements_text(k.value)"
            + " with ordinality x(e, o))";

    /** Reads users, batches and the active ledger back. */
    void refresh() {
        try {
            List<UserRow> readUsers = new ArrayList<>();
            try (PreparedStatement statement = lab.target().prepareStatement("select user_key, batch_no, status from backfill.users"
                    + " where plan = ? order by position, user_key")) {
                statement.setString(1, lab.planName());
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        readUsers.add(new UserRow(rows.getString(1), (Integer) rows.getObject(2), UserStatus.of(rows.getString(3))));
                    }
                }
            }
            users = readUsers;
            Map<String, UserRow> byKey = new HashMap<>();
            readUsers.forEach(u -> byKey.put(u.user(), u));
            userByKey = byKey;
            try (Connection connection = ws().target().getConnection()) {
                batches = ws().control().batches().list(connection);
            }
            List<Written> rows = new ArrayList<>();
            try (Statement statement = lab.target().createStatement(); ResultSet result = statement.executeQuery(
                    "select l.target_table, " + KEY_TEXT + ", l.user_key, l.batch_no, l.op, l.row_hashes[k.ord] from backfill.ledger l"
                            + " cross join jsonb_array_elements(l.row_keys) with ordinality k(value, ord) where l.plan = '"
                            + lab.planName() + "'"
                            + " and l.rolled_back_at is null order by 1, 2")) {
                while (result.next()) {
                    if (!result.getString(5).equals("insert")) {
                        throw failure("the ledger records an " + result.getString(5) + " of " + result.getString(1) + " "
                                + result.getString(2) + ", but the plan skips existing rows: apply only inserts");
                    }
                    rows.add(new Written(result.getString(1), result.getString(2), result.getString(3), result.getInt(4),
                            (Long) result.getObject(6)));
                }
            }
            written = rows;
        } catch (SQLException e) {
            throw failure("reading the control schema back failed: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- invariants

    /** What must hold after every step, read straight from the control schema and the target tables. */
    void checkInvariants() {
        if (untouched) {
            untouched = false;
            return;
        }
        long start = System.nanoTime();
        try {
            Connection db = lab.target();
            Map<Integer, BatchView> byNumber = new HashMap<>();
            batches.forEach(b -> byNumber.put(b.number(), b));
            // every user in exactly one documented state, in a batch that exists unless it waits for its first batch
            for (UserRow user : users) {
                if (!lab.users().contains(user.user())) {
                    throw failure("the control schema knows a user the legacy data does not have: " + user.user());
                }
                if (user.batch() == null ? user.status() != UserStatus.PLANNED : !byNumber.containsKey(user.batch())) {
                    throw failure("user " + user.user() + " is " + user.status() + " in batch " + user.batch()
                            + ", which does not exist: no command can move it on");
                }
            }
            if (fullDryRunDone && users.size() != lab.users().size()) {
                throw failure("after a full dry run every legacy user has a status; the control schema has " + users.size() + " of "
                        + lab.users().size());
            }
            // every batch in one state, its users as that state says
            Map<Integer, List<UserRow>> members = new HashMap<>();
            users.forEach(u -> {
                if (u.batch() != null) {
                    members.computeIfAbsent(u.batch(), k -> new ArrayList<>()).add(u);
                }
            });
            for (BatchView batch : batches) {
                List<UserRow> of = members.getOrDefault(batch.number(), List.of());
                long migratedUsers = of.stream().filter(u -> u.status() == UserStatus.MIGRATED).count();
                if (batch.users() != of.size()) {
                    throw failure("batch " + batch.number() + " counts " + batch.users() + " user(s), " + of.size() + " are in it");
                }
                // the per-status counts the server keeps per batch (V6 triggers) against the users themselves
                long failedUsers = of.stream().filter(u -> u.status() == UserStatus.FAILED).count();
                long sourceChangedUsers = of.stream().filter(u -> u.status() == UserStatus.SOURCE_CHANGED).count();
                long targetChangedUsers = of.stream().filter(u -> u.status() == UserStatus.TARGET_CHANGED).count();
                if (batch.usersMigrated() != migratedUsers || batch.usersFailed() != failedUsers
                        || batch.usersSourceChanged() != sourceChangedUsers || batch.usersTargetChanged() != targetChangedUsers) {
                    throw failure("batch " + batch.number() + " counts " + batch.usersMigrated() + " migrated, " + batch.usersFailed()
                            + " failed, " + batch.usersSourceChanged() + " source changed, " + batch.usersTargetChanged()
                            + " target changed; its users are " + of);
                }
                if (of.isEmpty()) {
                    throw failure("batch " + batch.number() + " (" + batch.state() + ") has no users");
                }
                if (batch.state() == BatchState.APPLIED && migratedUsers != of.size()) {
                    throw failure("batch " + batch.number() + " is APPLIED with users not migrated: " + of);
                }
                if (batch.state() == BatchState.PLANNED && migratedUsers > 0) {
                    throw failure("batch " + batch.number() + " is PLANNED with migrated users: " + of);
                }
            }
            // approvals: one in force for an approved or applying batch, given under the plan version it claims
            Map<Integer, List<long[]>> inForce = new HashMap<>();
            try (Statement statement = db.createStatement(); ResultSet rows = statement.executeQuery("select batch_no, approval_id, plan_checksum"
                    + " from backfill.approvals where plan = '" + lab.planName() + "' and revoked_at is null")) {
                while (rows.next()) {
                    String checksum = rows.getString(3);
                    int planVersion = checksum.equals(lab.plan(0).checksum()) ? 0 : checksum.equals(lab.plan(1).checksum()) ? 1 : -1;
                    inForce.computeIfAbsent(rows.getInt(1), k -> new ArrayList<>()).add(new long[] {rows.getLong(2), planVersion});
                }
            }
            for (Map.Entry<Integer, List<long[]>> entry : inForce.entrySet()) {
                BatchView batch = byNumber.get(entry.getKey());
                if (batch == null) {
                    throw failure("approval " + entry.getValue().get(0)[0] + " is in force for batch " + entry.getKey() + ", which does not exist");
                }
                if (entry.getValue().size() > 1) {
                    throw failure("batch " + entry.getKey() + " has " + entry.getValue().size() + " approvals in force");
                }
                long[] approval = entry.getValue().get(0);
                if (!Objects.equals(approvalPlan.get(approval[0]), (int) approval[1])) {
                    throw failure("approval " + approval[0] + " records plan version " + approval[1] + "; it was given under version "
                            + approvalPlan.get(approval[0]));
                }
                if (batch.state() == BatchState.PLANNED || batch.state() == BatchState.ROLLED_BACK) {
                    throw failure("batch " + batch.number() + " is " + batch.state() + " with approval " + approval[0] + " in force");
                }
            }
            for (BatchView batch : batches) {
                if (batch.state() == BatchState.APPROVED || batch.state() == BatchState.APPLYING) {
                    List<long[]> approval = inForce.get(batch.number());
                    Long pointed = approvalOf(batch.number());
                    if (approval == null || pointed == null || approval.get(0)[0] != pointed) {
                        throw failure("batch " + batch.number() + " is " + batch.state() + " without exactly one approval in force (in force: "
                                + (approval == null ? "none" : approval.get(0)[0]) + ", the batch names " + pointed + ")");
                    }
                }
            }
            checkRows(db);
            if (lab.kind().community()) {
                long oracleStart = System.nanoTime();
                Set<String> migrated = new TreeSet<>();
                users.stream().filter(u -> u.status() == UserStatus.MIGRATED).forEach(u -> migrated.add(u.user()));
                Optional<String> wrong = lab.oracle().check(expectedFor(migrated), appValues, appDeleted.keySet(), liveInserted.keySet());
                if (wrong.isPresent()) {
                    throw failure(wrong.get() + "\n  (migrated: " + migrated + ")");
                }
                count("invariants: the community oracle", System.nanoTime() - oracleStart);
            }
            // no run is left running but the one a kill left, until the next lock marks it interrupted
            long running = Tables.count(db, "select count(*) from backfill.runs where status = 'running'");
            if (running > (killedRunPending ? 1 : 0)) {
                throw failure(running + " run(s) are left 'running' after the command ended");
            }
            // each user applied once more than rolled back while migrated, else as often
            try (Statement statement = db.createStatement(); ResultSet rows = statement.executeQuery("select user_key,"
                    + " count(*) filter (where outcome = 'applied') - count(*) filter (where outcome = 'rolled_back')"
                    + " from backfill.user_outcomes where plan = '" + lab.planName() + "' group by user_key")) {
                while (rows.next()) {
                    int net = rows.getInt(2);
                    if (net != (migrated(rows.getString(1)) ? 1 : 0)) {
                        throw failure("user " + rows.getString(1) + " was applied " + net + " time(s) more than rolled back, and is "
                                + (migrated(rows.getString(1)) ? "" : "not ") + "migrated: a legacy row written twice or lost");
                    }
                }
            }
        } catch (SQLException e) {
            throw failure("checking the invariants failed: " + e.getMessage(), e);
        }
        count("invariants", System.nanoTime() - start);
    }

    /** The target rows against the ledger: each row written once, by a migrated user, as the ledger recorded it. */
    private void checkRows(Connection db) throws SQLException {
        Map<String, Written> ledger = new HashMap<>();
        Set<String> migratedWithLedger = new HashSet<>();
        for (Written row : written) {
            if (ledger.put(row.key(), row) != null) {
                throw failure("the active ledger names " + row.key() + " twice: a legacy row written twice");
            }
            UserRow user = userByKey.get(row.user());
            if (user == null || user.status() != UserStatus.MIGRATED) {
                throw failure("the active ledger names " + row.key() + " for user " + row.user() + ", who is "
                        + (user == null ? "unknown" : user.status()) + ", not migrated");
            }
            if (!Objects.equals(user.batch(), row.batch())) {
                throw failure("the ledger names " + row.key() + " in batch " + row.batch() + ", its user " + row.user() + " is in batch "
                        + user.batch());
            }
            migratedWithLedger.add(row.user());
        }
        for (UserRow user : users) {
            if (user.status() == UserStatus.MIGRATED && !migratedWithLedger.contains(user.user())) {
                throw failure("user " + user.user() + " is migrated without active ledger rows");
            }
        }
        Set<String> present = new HashSet<>();
        try (Statement statement = db.createStatement(); ResultSet rows = statement.executeQuery(lab.kind().presentRowsSql())) {
            while (rows.next()) {
                String key = rows.getString(1) + ":" + rows.getString(2);
                present.add(key);
                Written row = ledger.get(key);
                if (row == null) {
                    if (!liveInserted.containsKey(key)) {
                        throw failure("target row " + key + " of user " + rows.getString(3) + " is neither in the active ledger nor written by"
                                + " the live app (the user is " + Optional.ofNullable(userByKey.get(rows.getString(3))).map(UserRow::status)
                                .orElse(null) + ")");
                    }
                } else if (!row.user().equals(rows.getString(3))) {
                    throw failure("target row " + key + " belongs to user " + rows.getString(3) + ", the ledger says " + row.user());
                }
            }
        }
        for (String key : ledger.keySet()) {
            if (!present.contains(key) && !appDeleted.containsKey(key)) {
                throw failure("the active ledger names " + key + ", which is not in the target (and the live app did not delete it)");
            }
        }
        for (String key : liveInserted.keySet()) {
            if (!present.contains(key)) {
                throw failure("the live app's row " + key + " is gone from the target");
            }
        }
        if (rowsChanged) {
            checkHashes(ledger);
            rowsChanged = false;
        }
        // no natural key twice (where the target's own constraints do not already forbid it)
        long doubled = lab.kind().doubledKeysSql() == null ? 0 : Tables.count(db, lab.kind().doubledKeysSql());
        if (doubled > 0) {
            throw failure(doubled + " natural key(s) appear twice in the target");
        }
    }

    /**
     * The rows as the ledger hashed them when apply wrote them (in Java, from the planned values), computed
     * again in PostgreSQL from the rows as they are: equal, but for the rows the live app changed or deleted.
     */
    private void checkHashes(Map<String, Written> ledger) throws SQLException {
        var stored = ws().catalog().storedShape();
        Map<String, Long> actual = new HashMap<>();
        for (Entity entity : ws().plan().entities()) {
            List<dev.backfill.mapping.ColumnType> types = entity.targetColumns().stream().map(c -> stored.type(entity, c)).toList();
            try (Statement statement = lab.target().createStatement(); ResultSet rows = statement.executeQuery("select "
                    + lab.kind().table(entity.into()).keyText("t") + ", "
                    + dev.backfill.db.ChecksumSql.rowHash("t", entity.targetColumns(), types) + " from " + entity.into() + " t")) {
                while (rows.next()) {
                    actual.put(entity.into() + ":" + rows.getString(1), rows.getLong(2));
                }
            }
        }
        Set<String> drifted = new TreeSet<>();
        Set<String> expected = new TreeSet<>();
        for (Written row : ledger.values()) {
            if (row.rowHash() == null) {
                throw failure("the ledger recorded no row hash for " + row.key());
            }
            if (!row.rowHash().equals(actual.get(row.key()))) {
                drifted.add(row.key());
            }
            if (appChanged.containsKey(row.key()) || appDeleted.containsKey(row.key())) {
                expected.add(row.key());
            }
        }
        if (!drifted.equals(expected)) {
            throw failure("target rows that differ from what the ledger recorded: " + drifted + "; the live app changed " + expected);
        }
    }

    // ---------------------------------------------------------------- the end of a sequence

    /**
     * Drives the plan to completion with documented commands only: users held back for a change are
     * dry-run again, then 'apply --next', and on a refusal its first hint, until every user is migrated.
     */
    void driveToCompletion() {
        ending = true;
        transcript.add("# drive the plan to completion");
        lastRefusal = null;
        int stalled = 0;
        long migratedBefore = -1;
        for (int step = 0; ; step++) {
            // done when every user whose findings allow it is migrated: all but those a live-app row with their id blocks
            if (users.size() == lab.users().size() && users.stream().allMatch(u -> u.status() == UserStatus.MIGRATED || blocked(u.user()))) {
                return;
            }
            long migratedNow = users.stream().filter(u -> u.status() == UserStatus.MIGRATED).count();
            stalled = migratedNow == migratedBefore ? stalled + 1 : 0;
            migratedBefore = migratedNow;
            if (stalled > 12 || step > 80) {
                throw failure("the plan does not get to completion with documented commands (" + step + " commands, the last " + stalled
                        + " without a user migrated); users: " + users + "; batches: " + batches);
            }
            Optional<UserRow> review = users.stream().filter(u -> u.status().needsReview()).findFirst();
            // users no dry run has seen yet (the plan was only reviewed user by user): the full dry run reviews them
            Command next = users.size() < lab.users().size() ? new Command.DryRunAll()
                    : review.isPresent() ? new Command.DryRunUser(review.get().user())
                    : new Command.Apply(null, Command.Apply.DEFAULT_CHUNK, Stop.NONE, 0);
            execute(next);
            checkInvariants();
            for (int depth = 0; lastRefusal != null; depth++) {
                BackfillException refusal = lastRefusal;
                if (refusal.hints().isEmpty()) {
                    throw failure("'" + next.cli() + "' is refused without a way on: " + refusal.getMessage());
                }
                Command hint = Command.parseHint(refusal.hints().get(0)).orElseThrow(() -> failure("the hint '" + refusal.hints().get(0)
                        + "' is not a documented command"));
                if (hint instanceof Command.ReadOnly || depth > 4) {
                    throw failure("no documented command gets the plan on: '" + next.cli() + "' is refused (" + refusal.getMessage()
                            + ") and its hint is '" + refusal.hints().get(0) + "'; users: " + users + "; batches: " + batches);
                }
                Optional<Integer> other = hint instanceof Command.ApproveBatch approve ? otherHeldBack(approve.batch()) : Optional.empty();
                if (other.isPresent()) {
                    // the hinted batch only holds users the live app's rows keep failing; an operator approves another one
                    execute(new Command.ApproveBatch(other.get()));
                    if (lastRefusal != null) {
                        throw failure("approving held-back batch " + other.get() + " is refused: " + lastRefusal.getMessage());
                    }
                } else {
                    followHint(refusal, hint);
                }
                checkInvariants();
            }
        }
    }

    /**
     * When the hinted held-back batch holds only users that would fail again (a live-app row takes their id),
     * another held-back batch with users that can be migrated.
     */
    private Optional<Integer> otherHeldBack(int hinted) {
        boolean onlyBlocked = users.stream().filter(u -> Objects.equals(u.batch(), hinted) && u.status() != UserStatus.MIGRATED)
                .allMatch(u -> blocked(u.user()));
        if (!onlyBlocked) {
            return Optional.empty();
        }
        return batches.stream().filter(b -> b.state() == BatchState.HELD_BACK && b.number() != hinted && b.usersToReview() == 0)
                .filter(b -> users.stream().anyMatch(u -> Objects.equals(u.batch(), b.number()) && u.status() != UserStatus.MIGRATED
                        && !blocked(u.user())))
                .map(BatchView::number).findFirst();
    }

    /** Rolls every batch back, latest first, overwriting rows the live app changed; the target is then as before the first apply. */
    void rollBackEverything() {
        transcript.add("# roll every batch back, latest first");
        for (int round = 0; ; round++) {
            List<BatchView> written = batches.stream().filter(b -> queue().rollBack(b.number()).allowed())
                    .sorted((a, b) -> Integer.compare(b.number(), a.number())).toList();
            if (written.isEmpty()) {
                break;
            }
            if (round > 20) {
                throw failure("batches are still written after 20 rounds of rollbacks: " + written);
            }
            BatchView batch = written.get(0);
            boolean drift = !driftedUsers(batch.number()).isEmpty() || !driftedDependants(batch.number(), Set.of()).isEmpty();
            execute(new Command.Rollback(batch.number(), drift ? DriftChoice.OVERWRITE_DRIFTED : DriftChoice.REFUSE));
            if (lastRefusal != null) {
                throw failure("rolling back batch " + batch.number() + " is refused: " + lastRefusal.getMessage());
            }
            checkInvariants();
        }
        if (users.stream().anyMatch(u -> u.status() == UserStatus.MIGRATED) || !written.isEmpty()) {
            throw failure("after rolling every batch back, users are still migrated: " + users);
        }
        try {
            Map<String, List<String>> expected = new TreeMap<>();
            lab.initialTarget().forEach((table, rows) -> expected.put(table, new ArrayList<>(rows)));
            liveInserted.values().forEach(row -> expected.get(row.table()).add(row.text()));
            expected.values().forEach(Collections::sort);
            Map<String, List<String>> actual = new TreeMap<>(Tables.snapshot(lab.target(), "public"));
            actual.replaceAll((table, rows) -> {
                List<String> sorted = new ArrayList<>(rows);
                Collections.sort(sorted);
                return sorted;
            });
            if (!actual.equals(expected)) {
                throw failure("after rolling every batch back the target differs from before the first apply (plus the live app's "
                        + liveInserted.size() + " row(s)):\n  expected " + expected + "\n  actual   " + actual);
            }
        } catch (SQLException e) {
            throw failure("reading the target failed", e);
        }
    }

    List<Step> steps() {
        return List.copyOf(steps);
    }

    /**
     * Runs recorded steps again on a fresh database, checking the invariants after each, then the end of
     * the sequence. A step recorded as a hint is followed as one when the refusal before it names it.
     */
    static void replay(ModelLab lab, List<Step> steps) {
        Operator operator = new Operator(lab);
        for (Step step : steps) {
            Optional<BackfillException> refusal = operator.lastRefusal().filter(r -> !r.hints().isEmpty()
                    && Command.parseHint(r.hints().get(0)).map(step.command()::equals).orElse(false));
            if (step.hint() && refusal.isPresent()) {
                operator.followHint(refusal.get(), step.command());
            } else {
                operator.execute(step.command());
            }
            operator.checkInvariants();
        }
        operator.driveToCompletion();
        operator.rollBackEverything();
    }

    int hintsFollowed() {
        return hintsFollowed;
    }

    int transcriptLines() {
        return transcript.size();
    }
}
