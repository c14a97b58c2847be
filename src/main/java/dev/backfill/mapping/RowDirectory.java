package dev.backfill.mapping;

/**
 * Who owns a legacy row of an entity, across all users: what a reference to another user's row
 * resolves through. The engine backs it with the control schema's directory of legacy rows.
 */
public interface RowDirectory {

    enum Kind {
        /** The row is some user's (see owner). */
        OWNER,
        /** No user's legacy data has the row. */
        ABSENT,
        /** Not known yet (the dry run has not read that user yet): decided once every user is read. */
        UNKNOWN
    }

    record Lookup(Kind kind, String owner) {
        public static final Lookup ABSENT = new Lookup(Kind.ABSENT, null);
        public static final Lookup UNKNOWN = new Lookup(Kind.UNKNOWN, null);

        public static Lookup owner(String user) {
            return new Lookup(Kind.OWNER, user);
        }
    }

    Lookup owner(String entity, String legacyId);

    /** Without a directory every row is the user's own or absent: references resolve within the user only. */
    RowDirectory WITHIN_USER = (entity, legacyId) -> Lookup.ABSENT;

    default boolean crossUser() {
        return this != WITHIN_USER;
    }
}
