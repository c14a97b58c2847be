package dev.backfill.plan;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The target types a legacy value can be converted to ({@code as:} in a plan). */
public enum Coercion {
    TEXT("text", "text"),
    UUID("uuid", "uuid"),
    BOOLEAN("boolean", "boolean"),
    SMALLINT("smallint", "smallint"),
    INTEGER("integer", "integer"),
    BIGINT("bigint", "bigint"),
    NUMERIC("numeric", "numeric"),
    REAL("real", "real"),
    DOUBLE("double", "double precision"),
    TIMESTAMPTZ("timestamptz", "timestamptz"),
    TIMESTAMP("timestamp", "timestamp"),
    DATE("date", "date"),
    JSON("json", "json"),
    JSONB("jsonb", "jsonb"),
    TEXT_ARRAY("text[]", "text[]"),
    UUID_ARRAY("uuid[]", "uuid[]"),
    INTEGER_ARRAY("integer[]", "integer[]"),
    BIGINT_ARRAY("bigint[]", "bigint[]");

    private final String planName;
    private final String sqlName;

    Coercion(String planName, String sqlName) {
        this.planName = planName;
        this.sqlName = sqlName;
    }

    public String planName() {
        return planName;
    }

    public String sqlName() {
        return sqlName;
    }

    public boolean isArray() {
        return planName.endsWith("[]");
    }

    public Coercion elementType() {
        return switch (this) {
            case TEXT_ARRAY -> TEXT;
            case UUID_ARRAY -> UUID;
            case INTEGER_ARRAY -> INTEGER;
            case BIGINT_ARRAY -> BIGINT;
            default -> this;
        };
    }


    public static Optional<Coercion> fromPlanName(String name) {
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        String canonical = switch (wanted) {
            case "int", "int4" -> "integer";
            case "int2" -> "smallint";
            case "int8", "long" -> "bigint";
            case "bool" -> "boolean";
            case "decimal" -> "numeric";
            case "float", "float8", "double precision" -> "double";
            case "float4" -> "real";
            case "string", "varchar" -> "text";
            case "timestamp with time zone" -> "timestamptz";
            case "timestamp without time zone" -> "timestamp";
            default -> wanted;
        };
        return Arrays.stream(values()).filter(c -> c.planName.equals(canonical)).findFirst();
    }

    /** The coercion for a column of this PostgreSQL type ({@code udt_name}), if we know it. */
    public static Optional<Coercion> fromPostgresType(String udtName) {
        return switch (udtName) {
            case "text", "varchar", "bpchar", "name", "citext" -> Optional.of(TEXT);
            case "uuid" -> Optional.of(UUID);
            case "bool" -> Optional.of(BOOLEAN);
            case "int2" -> Optional.of(SMALLINT);
            case "int4" -> Optional.of(INTEGER);
            case "int8" -> Optional.of(BIGINT);
            case "numeric" -> Optional.of(NUMERIC);
            case "float4" -> Optional.of(REAL);
            case "float8" -> Optional.of(DOUBLE);
            case "timestamptz" -> Optional.of(TIMESTAMPTZ);
            case "timestamp" -> Optional.of(TIMESTAMP);
            case "date" -> Optional.of(DATE);
            case "json" -> Optional.of(JSON);
            case "jsonb" -> Optional.of(JSONB);
            case "_text", "_varchar" -> Optional.of(TEXT_ARRAY);
            case "_uuid" -> Optional.of(UUID_ARRAY);
            case "_int4" -> Optional.of(INTEGER_ARRAY);
            case "_int8" -> Optional.of(BIGINT_ARRAY);
            default -> Optional.empty();
        };
    }

    public static List<String> planNames() {
        return Arrays.stream(values()).map(Coercion::planName).toList();
    }
}
