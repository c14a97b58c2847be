package dev.backfill.model;

import dev.backfill.engine.Rollback.DriftChoice;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One step of an operator sequence, as the operator would type it: a documented CLI command
 * ({@code PLAN} stands for the plan file), an edit of the legacy rows, a write by the live app, or an
 * edit of the plan file. {@link #cli()} is the line a reproduction prints.
 */
sealed interface Command {

    String cli();

    /** How an apply ends before its last user. */
    enum Stop {
        /** Runs to the end. */
        NONE,
        /** Ctrl-C (the CLI's pause signal) once some users are applied. */
        CTRL_C,
        /** {@code backfill pause PLAN} from another shell once some users are applied. */
        PAUSE_COMMAND,
        /** The process dies (kill -9) while it writes the chunk after some applied users. */
        KILL
    }

    /** {@code backfill dry-run PLAN}. */
    record DryRunAll() implements Command {
        public String cli() {
            return "backfill dry-run PLAN";
        }
    }

    /** {@code backfill dry-run PLAN --user U}. */
    record DryRunUser(String user) implements Command {
        public String cli() {
            return "backfill dry-run PLAN --user " + user;
        }
    }

    /** {@code backfill form-batch PLAN --users U,V}. */
    record FormBatch(List<String> users) implements Command {
        public String cli() {
            return "backfill form-batch PLAN --users " + String.join(",", users);
        }
    }

    /** {@code backfill approve PLAN --next [N]}. */
    record ApproveNext(int count) implements Command {
        public String cli() {
            return "backfill approve PLAN --next" + (count == 1 ? "" : " " + count);
        }
    }

    /** {@code backfill approve PLAN --batch N}. */
    record ApproveBatch(int batch) implements Command {
        public String cli() {
            return "backfill approve PLAN --batch " + batch;
        }
    }

    /** {@code backfill apply PLAN --next | --batch N --chunk C}, to the end or stopped after some applied users. */
    record Apply(Integer batch, int chunk, Stop stop, int afterUsers) implements Command {
        static final int DEFAULT_CHUNK = 100;

        /**
         * Apply's own default, except when the operator stops it after some users: "the chunk after N users"
         * is one writer's notion (several writers each finish the chunk they write), and the model's
         * oracle reasons in it. Parallel writers stopping are covered by WorkerProcessesIT.
         */
        int writers() {
            return stop == Stop.NONE ? dev.backfill.engine.Apply.DEFAULT_WRITERS : 1;
        }

        public String cli() {
            String command = "backfill apply PLAN " + (batch == null ? "--next" : "--batch " + batch)
                    + (chunk == DEFAULT_CHUNK ? "" : " --chunk " + chunk) + (writers() == 1 ? " --writers 1" : "");
            return switch (stop) {
                case NONE -> command;
                case CTRL_C -> command + "   # Ctrl-C once " + afterUsers + " user(s) are applied";
                case PAUSE_COMMAND -> command + "   # 'backfill pause PLAN' from another shell once " + afterUsers + " user(s) are applied";
                case KILL -> command + "   # kill -9 while it writes the chunk after " + afterUsers + " applied user(s)";
            };
        }
    }

    /** {@code backfill rollback PLAN --batch N --yes [--keep-drifted | --overwrite-drifted]}. */
    record Rollback(int batch, DriftChoice choice) implements Command {
        public String cli() {
            return "backfill rollback PLAN --batch " + batch + " --yes" + switch (choice) {
                case REFUSE -> "";
                case KEEP_DRIFTED_USERS -> " --keep-drifted";
                case OVERWRITE_DRIFTED -> " --overwrite-drifted";
            };
        }
    }

    /** {@code backfill pause PLAN}. */
    record Pause() implements Command {
        public String cli() {
            return "backfill pause PLAN";
        }
    }

    /** A command that only reads: {@code parity}, {@code batches}, {@code export ...}. */
    record ReadOnly(String cli) implements Command {}

    /** The legacy product changes one of a user's rows. */
    record LegacyEdit(String user, String table, String id, String column, String value) implements Command {
        public String cli() {
            return "(legacy) update " + table + " set " + column + " = " + (value == null ? "null" : ModelLab.quote(value))
                    + " where id = '" + id + "';   -- a row of user " + user;
        }
    }

    /** The live app updates a column of a row apply wrote. */
    record LiveUpdate(String table, String id, String column, String value) implements Command {
        public String cli() {
            return "(live app) update " + table + " set " + column + " = " + ModelLab.quote(value) + " where id = '" + id + "';";
        }
    }

    /** The live app deletes a row apply wrote: {@code id} its identity text, {@code where} the condition naming it. */
    record LiveDelete(String table, String id, String where) implements Command {
        public String cli() {
            return "(live app) delete from " + table + " where " + where + ";";
        }
    }

    /** The live app creates a part with the natural key of a part a user not migrated yet will get. */
    record LiveInsert(String user, String id, String name) implements Command {
        public String cli() {
            return "(live app) insert into parts_v2 (id, user_id, name, charge, created_at) values ('" + id + "', '" + user + "', "
                    + ModelLab.quote(name) + ", 'neutral', '" + LIVE_CREATED_AT + "');";
        }
    }

    String LIVE_CREATED_AT = "2025-03-01 12:00:00+00";

    /**
     * The live app creates a session that takes the id a user's legacy session keeps (another start time,
     * so no natural key meets): apply fails for that user on the primary key until the row is gone.
     */
    record LiveInsertById(String user, String id, String startedAt) implements Command {
        public String cli() {
            return "(live app) insert into sessions_v2 (id, user_id, started_at, summary) values ('" + id + "', '" + user + "', '"
                    + startedAt + "', 'created by the live app');";
        }
    }

    /**
     * The live app creates a member with the handle a member not migrated yet will get (another id, so no
     * natural key meets): apply fails for that member on the unique handle until the row is gone.
     */
    record LiveInsertMember(String user, String id, String handle) implements Command {
        public String cli() {
            return "(live app) insert into members_v2 (id, handle, display_name, created_at) values ('" + id + "', " + ModelLab.quote(handle)
                    + ", 'created by the live app', '" + LIVE_CREATED_AT + "');";
        }
    }

    /** The live app deletes a row it created (and no migrated row references). */
    record LiveDeleteOwn(String table, String id) implements Command {
        public String cli() {
            return "(live app) delete from " + table + " where id = '" + id + "';   -- a row the live app created";
        }
    }

    /** The plan file is edited, one way or back: {@code edit} says how (the lab's one edit). */
    record PlanEdit(int toVersion, String edit) implements Command {
        public String cli() {
            return "(edit PLAN: " + edit + ")";
        }
    }

    Pattern DRY_RUN_USER = Pattern.compile("backfill dry-run PLAN --user (\\S+)");
    Pattern APPROVE_NEXT = Pattern.compile("backfill approve PLAN --next(?: (\\d+))?");
    Pattern APPROVE_BATCH = Pattern.compile("backfill approve PLAN --batch (\\d+)");
    Pattern APPLY_BATCH = Pattern.compile("backfill apply PLAN --batch (\\d+)");
    Pattern ROLLBACK = Pattern.compile("backfill rollback PLAN --batch (\\d+)( --keep-drifted| --overwrite-drifted)?");
    Pattern READ_ONLY = Pattern.compile("backfill (parity|batches|export|preview|validate) PLAN.*");

    /** The command a refusal's hint names, or empty when the hint is not a documented command line. */
    static Optional<Command> parseHint(String hint) {
        String text = hint.strip();
        Matcher m;
        if (text.equals("backfill dry-run PLAN")) {
            return Optional.of(new DryRunAll());
        }
        if ((m = DRY_RUN_USER.matcher(text)).matches()) {
            return Optional.of(new DryRunUser(m.group(1)));
        }
        if ((m = APPROVE_NEXT.matcher(text)).matches()) {
            return Optional.of(new ApproveNext(m.group(1) == null ? 1 : Integer.parseInt(m.group(1))));
        }
        if ((m = APPROVE_BATCH.matcher(text)).matches()) {
            return Optional.of(new ApproveBatch(Integer.parseInt(m.group(1))));
        }
        if (text.equals("backfill apply PLAN --next")) {
            return Optional.of(new Apply(null, Apply.DEFAULT_CHUNK, Stop.NONE, 0));
        }
        if ((m = APPLY_BATCH.matcher(text)).matches()) {
            return Optional.of(new Apply(Integer.parseInt(m.group(1)), Apply.DEFAULT_CHUNK, Stop.NONE, 0));
        }
        if ((m = ROLLBACK.matcher(text)).matches()) {
            DriftChoice choice = m.group(2) == null ? DriftChoice.REFUSE
                    : m.group(2).equals(" --keep-drifted") ? DriftChoice.KEEP_DRIFTED_USERS : DriftChoice.OVERWRITE_DRIFTED;
            return Optional.of(new Rollback(Integer.parseInt(m.group(1)), choice));
        }
        if (text.equals("backfill pause PLAN")) {
            return Optional.of(new Pause());
        }
        if (READ_ONLY.matcher(text).matches()) {
            return Optional.of(new ReadOnly(text));
        }
        return Optional.empty();
    }
}
