package dev.backfill.plan;

/**
 * How a target row gets its id.
 *
 * @param column   target id column
 * @param from     legacy field holding the legacy id (null for generate without a legacy id)
 * @param strategy preserve the legacy id, generate a new UUID kept in the id map, or derive a UUIDv5
 * @param perUser  legacy ids are only unique within one user (e.g. ids inside a JSON document)
 */
public record IdSpec(String column, FieldPath from, Strategy strategy, boolean perUser, Location at) {

    public enum Strategy { PRESERVE, GENERATE, DERIVE }
}
