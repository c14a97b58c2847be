package dev.backfill.plan;

/**
 * How a target row gets its id.
 *
 * @param column   target id column
 * @param from     legacy field holding the legacy id (null for generate without a legacy id)
 * @param strategy preserve the legacy id, generate a new UUID kept in the id map, or derive a UUIDv5
 * @param perUser  legacy ids are only unique within one user (e.g. ids inside a JSON document)
 * @param generateInvalid with preserve: a legacy id that is not valid for the id column (a UUID column
 *                 and a legacy id like "user_42") gets a generated id, kept in the id map, instead of
 *                 an INVALID_VALUE finding
 */
public record IdSpec(String column, FieldPath from, Strategy strategy, boolean perUser, boolean generateInvalid, Location at) {

    public enum Strategy { PRESERVE, GENERATE, DERIVE }

    /**
     * Whether the id map keys this entity's legacy ids per user. Without a legacy id field the key is
     * the row's position within its user, which only names a row together with the user.
     */
    public boolean scopedToUser() {
        return perUser || from == null;
    }
}
