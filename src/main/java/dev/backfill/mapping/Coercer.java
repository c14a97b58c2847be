package dev.backfill.mapping;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.POJONode;
import dev.backfill.plan.Coercion;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Converts one legacy JSON value to a target type. Never throws for bad data: a value that cannot be
 * converted comes back as {@link Invalid} with a reason a DBA can act on.
 *
 * <p>Java types of converted values: TEXT String, UUID {@link UUID}, BOOLEAN Boolean, integer types
 * Long, NUMERIC/REAL/DOUBLE BigDecimal, TIMESTAMPTZ OffsetDateTime (UTC, microseconds), TIMESTAMP
 * LocalDateTime, DATE LocalDate, JSON/JSONB JsonNode, arrays List.
 */
public final class Coercer {

    public sealed interface Result {}

    public record Ok(Object value) implements Result {}

    /**
     * @param dropsRow the value could not even be read (JSON beyond the limits, an unreadable legacy value):
     *                 the row is not migrated rather than written with a default or NULL in its place
     */
    public record Invalid(String reason, boolean dropsRow) implements Result {
        public Invalid(String reason) {
            this(reason, false);
        }
    }

    /** Epoch numbers below this are seconds, from here on milliseconds (10^11 s is the year 5138). */
    static final BigDecimal MILLIS_THRESHOLD = new BigDecimal("100000000000");

    private static final Pattern UUID_TEXT =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern UUID_HEX = Pattern.compile("[0-9a-fA-F]{32}");
    private static final Pattern NUMBER_TEXT = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");
    /** A numeric column's declared precision and scale, as format_type prints them: numeric(12,4), numeric(5). */
    private static final Pattern NUMERIC_TYPMOD = Pattern.compile("numeric\\((\\d+)(?:,(-?\\d+))?\\)");

    /** Date and time with 'T' or a space, optional seconds and fraction, optional zone (Z, +02, +02:00, +0200, UTC). */
    private static final DateTimeFormatter FLEXIBLE = new DateTimeFormatterBuilder()
            .parseCaseInsensitive()
            .append(DateTimeFormatter.ofPattern("uuuu-MM-dd"))
            .optionalStart().appendLiteral('T').optionalEnd()
            .optionalStart().appendLiteral(' ').optionalEnd()
            .appendPattern("HH:mm")
            .optionalStart().appendLiteral(':').appendPattern("ss").optionalEnd()
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 1, 9, true).optionalEnd()
            .optionalStart().appendLiteral(' ').optionalEnd()
            .optionalStart().appendOffset("+HH:MM", "Z").optionalEnd()
            .optionalStart().appendOffset("+HHMM", "Z").optionalEnd()
            .optionalStart().appendOffset("+HH", "Z").optionalEnd()
            .optionalStart().appendLiteral("UTC").optionalEnd()
            .optionalStart().appendLiteral("GMT").optionalEnd()
            .toFormatter(Locale.ROOT)
            .withResolverStyle(ResolverStyle.STRICT);

    private static final DateTimeFormatter DATE_ONLY =
            DateTimeFormatter.ofPattern("uuuu-MM-dd", Locale.ROOT).withResolverStyle(ResolverStyle.STRICT);

    private Coercer() {}

    public static Result coerce(JsonNode raw, ColumnType type, String format) {
        if (raw == null || raw.isNull() || raw.isMissingNode()) {
            return new Ok(null);
        }
        if (raw instanceof POJONode) {
            Unreadable marker = Unreadable.of(raw);
            return marker != null ? new Invalid(marker.reason(), marker.dropsRow()) : new Invalid(show(raw) + " is not a legacy value");
        }
        Coercion coercion = type == null ? inferred(raw) : type.coercion();
        if (coercion.isArray()) {
            return toArray(raw, coercion.elementType(), format);
        }
        return switch (coercion) {
            case TEXT -> toText(raw, type == null ? null : type.sqlType());
            case UUID -> toUuid(raw);
            case BOOLEAN -> toBoolean(raw);
            case SMALLINT -> toInteger(raw, Short.MIN_VALUE, Short.MAX_VALUE, "smallint");
            case INTEGER -> toInteger(raw, Integer.MIN_VALUE, Integer.MAX_VALUE, "integer");
            case BIGINT -> toInteger(raw, Long.MIN_VALUE, Long.MAX_VALUE, "bigint");
            case NUMERIC -> toNumeric(raw, type == null ? null : type.sqlType());
            case REAL, DOUBLE -> toFloat(raw, coercion);
            case TIMESTAMPTZ -> inWritableYears(raw, toTimestamptz(raw, format));
            case TIMESTAMP -> inWritableYears(raw, toTimestamptz(raw, format) instanceof Ok ok && ok.value() != null
                    ? new Ok(((OffsetDateTime) ok.value()).toLocalDateTime())
                    : toTimestamptz(raw, format));
            case DATE -> inWritableYears(raw, toDate(raw, format));
            case JSON, JSONB -> toJson(raw);
            default -> new Invalid("no conversion to " + coercion.planName());
        };
    }

    /** The target type a value keeps when neither the plan nor the target names one. */
    static Coercion inferred(JsonNode raw) {
        if (raw.isBoolean()) {
            return Coercion.BOOLEAN;
        }
        if (raw.isIntegralNumber()) {
            return Coercion.BIGINT;
        }
        if (raw.isNumber()) {
            return Coercion.NUMERIC;
        }
        if (raw.isContainerNode()) {
            return Coercion.JSONB;
        }
        return Coercion.TEXT;
    }

    private static final Pattern LENGTH_TYPMOD = Pattern.compile("(character varying|character|varchar|bpchar)\\((\\d+)\\)");
    private static final Pattern COMPACT_DATE = Pattern.compile("\\d{8}");

    private static Result toText(JsonNode raw, String sqlType) {
        Result plain = toText(raw);
        if (!(plain instanceof Ok ok) || sqlType == null || sqlType.indexOf('(') < 0) {
            return plain;
        }
        java.util.regex.Matcher typmod = LENGTH_TYPMOD.matcher(sqlType);
        if (!typmod.matches()) {
            return plain;
        }
        String text = (String) ok.value();
        boolean fixedWidth = typmod.group(1).equals("character") || typmod.group(1).equals("bpchar");
        if (fixedWidth) {
            // char(n) pads with spaces and ignores trailing ones; keep the value as PostgreSQL reads it back
            text = text.stripTrailing();
        }
        int limit = Integer.parseInt(typmod.group(2));
        int length = text.codePointCount(0, text.length());
        if (length > limit) {
            return new Invalid(show(raw) + " is " + length + " characters long; the column " + sqlType + " holds at most " + limit);
        }
        return new Ok(text);
    }

    private static Result toText(JsonNode raw) {
        String text;
        if (raw.isTextual()) {
            text = raw.textValue();
        } else if (raw.isNumber()) {
            text = raw.isIntegralNumber() ? raw.bigIntegerValue().toString() : raw.decimalValue().toPlainString();
        } else if (raw.isBoolean()) {
            text = String.valueOf(raw.booleanValue());
        } else {
            // JSON text escapes a NUL itself; what it cannot write is too deep or unreadable
            Invalid problem = jsonProblem(raw, 1, true);
            if (problem != null) {
                return problem;
            }
            text = Json.write(raw);
        }
        String problem = StoredText.problem(text);
        if (problem != null) {
            return new Invalid(problem);
        }
        return new Ok(text);
    }

    private static Result toUuid(JsonNode raw) {
        if (!raw.isTextual()) {
            return new Invalid(show(raw) + " is not a UUID (expected text like 3f2c0a6e-…, 8-4-4-4-12 hex digits)");
        }
        String text = raw.textValue();
        if (isCanonicalUuid(text)) {
            return new Ok(UUID.fromString(text));
        }
        text = text.trim();
        if (text.startsWith("{") && text.endsWith("}")) {
            text = text.substring(1, text.length() - 1);
        }
        if (UUID_HEX.matcher(text).matches()) {
            text = text.substring(0, 8) + "-" + text.substring(8, 12) + "-" + text.substring(12, 16) + "-"
                    + text.substring(16, 20) + "-" + text.substring(20);
        }
        if (!UUID_TEXT.matcher(text).matches()) {
            return new Invalid(show(raw) + " is not a UUID (expected 8-4-4-4-12 hex digits)");
        }
        return new Ok(UUID.fromString(text.toLowerCase(Locale.ROOT)));
    }

    /** Lower-case 8-4-4-4-12 hex: the form almost every UUID arrives in, checked without a regex. */
    private static boolean isCanonicalUuid(String text) {
        if (text.length() != 36) {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char c = text.charAt(i);
            if (i == 8 || i == 13 || i == 18 || i == 23) {
                if (c != '-') {
                    return false;
                }
            } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    private static Result toBoolean(JsonNode raw) {
        if (raw.isBoolean()) {
            return new Ok(raw.booleanValue());
        }
        if (raw.isNumber()) {
            BigDecimal number = raw.decimalValue();
            if (number.compareTo(BigDecimal.ZERO) == 0) {
                return new Ok(false);
            }
            if (number.compareTo(BigDecimal.ONE) == 0) {
                return new Ok(true);
            }
            return new Invalid(show(raw) + " is not a boolean (expected 0 or 1)");
        }
        if (raw.isTextual()) {
            switch (raw.textValue().trim().toLowerCase(Locale.ROOT)) {
                case "1", "t", "true", "yes", "y", "on":
                    return new Ok(true);
                case "0", "f", "false", "no", "n", "off":
                    return new Ok(false);
                default:
                    break;
            }
        }
        return new Invalid(show(raw) + " is not a boolean (expected 0/1, t/f, true/false or yes/no)");
    }

    private static Result toInteger(JsonNode raw, long min, long max, String typeName) {
        BigDecimal number = number(raw);
        if (number == null) {
            return new Invalid(show(raw) + " is not a number");
        }
        BigInteger whole;
        try {
            whole = number.toBigIntegerExact();
        } catch (ArithmeticException e) {
            return new Invalid(show(raw) + " is not a whole number, so it does not fit " + typeName);
        }
        if (whole.compareTo(BigInteger.valueOf(min)) < 0 || whole.compareTo(BigInteger.valueOf(max)) > 0) {
            return new Invalid(show(raw) + " is outside the range of " + typeName + " (" + min + " to " + max + ")");
        }
        return new Ok(whole.longValue());
    }

    /**
     * For numeric(p,s) the value PostgreSQL will store: rounded to s decimals, half away from zero, and at most
     * p - s digits before the decimal point. Without this the planned value (and its hash) would differ from the row.
     */
    private static Result toNumeric(JsonNode raw, String sqlType) {
        BigDecimal number = number(raw);
        if (number == null) {
            return new Invalid(show(raw) + " is not a number");
        }
        Matcher typmod = sqlType == null ? null : NUMERIC_TYPMOD.matcher(sqlType);
        if (typmod == null || !typmod.matches()) {
            return new Ok(number);
        }
        int precision = Integer.parseInt(typmod.group(1));
        int scale = typmod.group(2) == null ? 0 : Integer.parseInt(typmod.group(2));
        BigDecimal rounded = number.setScale(scale, RoundingMode.HALF_UP);
        if (rounded.signum() != 0 && rounded.precision() - rounded.scale() > precision - scale) {
            return new Invalid(show(raw) + " does not fit " + sqlType + " (it allows an absolute value below 10^"
                    + (precision - scale) + ")");
        }
        return new Ok(rounded);
    }

    /** real and double precision refuse values that overflow to infinity or underflow to zero. */
    private static Result toFloat(JsonNode raw, Coercion coercion) {
        BigDecimal number = number(raw);
        if (number == null) {
            return new Invalid(show(raw) + " is not a number");
        }
        double value = coercion == Coercion.REAL ? number.floatValue() : number.doubleValue();
        if (Double.isInfinite(value) || (value == 0 && number.signum() != 0)) {
            return new Invalid(show(raw) + " is out of range for type " + coercion.sqlName());
        }
        return new Ok(number);
    }

    /** The number a value holds, or null; a number beyond what PostgreSQL's numeric can hold counts as none. */
    private static BigDecimal number(JsonNode raw) {
        BigDecimal value = null;
        if (raw.isNumber()) {
            value = raw.isIntegralNumber() ? new BigDecimal(raw.bigIntegerValue()) : raw.decimalValue();
        } else if (raw.isTextual()) {
            String text = raw.textValue().trim();
            if (NUMBER_TEXT.matcher(text).matches()) {
                try {
                    value = new BigDecimal(text);
                } catch (NumberFormatException e) {
                    return null; // an exponent beyond what BigDecimal holds, e.g. 1e2147483648
                }
            }
        } else if (raw.isBoolean()) {
            value = raw.booleanValue() ? BigDecimal.ONE : BigDecimal.ZERO;
        }
        return value == null || !fitsNumeric(value) ? null : value;
    }

    /**
     * PostgreSQL's numeric holds up to 131072 digits before the point and 16383 after. Larger
     * exponents (1e999999999) would also make every later step (exact integer, plain text) huge.
     */
    private static boolean fitsNumeric(BigDecimal value) {
        BigDecimal stripped = value.stripTrailingZeros();
        return stripped.precision() - stripped.scale() <= 131072 && stripped.scale() <= 16383;
    }

    private static Result toTimestamptz(JsonNode raw, String format) {
        if (raw.isNumber()) {
            return epoch(raw);
        }
        if (!raw.isTextual()) {
            return new Invalid(show(raw) + " is not a timestamp");
        }
        String text = raw.textValue().trim();
        if (format != null) {
            return withPattern(raw, text, format);
        }
        OffsetDateTime fast = IsoTimestamps.parse(text);
        if (fast != null) {
            return new Ok(utcMicros(fast));
        }
        if (COMPACT_DATE.matcher(text).matches()) {
            // 20250101 is a date (ISO 8601 basic format), not 20 million seconds after 1970
            try {
                return new Ok(LocalDate.parse(text, DateTimeFormatter.BASIC_ISO_DATE.withResolverStyle(ResolverStyle.STRICT))
                        .atStartOfDay().atOffset(ZoneOffset.UTC));
            } catch (DateTimeParseException e) {
                return new Invalid(show(raw) + " looks like a compact date (YYYYMMDD) but is not a real date");
            }
        }
        if (NUMBER_TEXT.matcher(text).matches()) {
            return epoch(raw);
        }
        try {
            TemporalAccessor parsed = FLEXIBLE.parse(text);
            LocalDateTime local = LocalDateTime.of(LocalDate.from(parsed),
                    java.time.LocalTime.of(parsed.get(ChronoField.HOUR_OF_DAY), parsed.get(ChronoField.MINUTE_OF_HOUR),
                            parsed.isSupported(ChronoField.SECOND_OF_MINUTE) ? parsed.get(ChronoField.SECOND_OF_MINUTE) : 0,
                            parsed.isSupported(ChronoField.NANO_OF_SECOND) ? parsed.get(ChronoField.NANO_OF_SECOND) : 0));
            ZoneOffset offset = parsed.isSupported(ChronoField.OFFSET_SECONDS)
                    ? ZoneOffset.ofTotalSeconds(parsed.get(ChronoField.OFFSET_SECONDS)) : ZoneOffset.UTC;
            return new Ok(utcMicros(local.atOffset(offset)));
        } catch (DateTimeException e) {
            // not a date-time: try a plain date, then RFC 1123 (HTTP dates)
        }
        try {
            return new Ok(utcMicros(LocalDate.parse(text, DATE_ONLY).atStartOfDay().atOffset(ZoneOffset.UTC)));
        } catch (DateTimeParseException e) {
            // fall through
        }
        try {
            return new Ok(utcMicros(ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME).toOffsetDateTime()));
        } catch (DateTimeParseException e) {
            String outside = outsideYears(text);
            return new Invalid(show(raw) + (outside != null ? outside
                    : " is not a timestamp this tool reads (ISO-8601, 'YYYY-MM-DD HH:MM:SS[+zone]',"
                    + " epoch seconds or milliseconds, or RFC 1123); if it is a real date, give the column a 'format:'"));
        }
    }

    private static Result withPattern(JsonNode raw, String text, String pattern) {
        try {
            DateTimeFormatter formatter = DateTimeFormatter.ofPattern(pattern, Locale.ROOT)
                    .withResolverStyle(ResolverStyle.SMART);
            TemporalAccessor parsed = formatter.parseBest(text, ZonedDateTime::from, LocalDateTime::from, LocalDate::from);
            OffsetDateTime value;
            if (parsed instanceof ZonedDateTime zoned) {
                value = zoned.toOffsetDateTime();
            } else if (parsed instanceof LocalDateTime local) {
                value = local.atOffset(ZoneOffset.UTC);
            } else {
                value = ((LocalDate) parsed).atStartOfDay().atOffset(ZoneOffset.UTC);
            }
            return new Ok(utcMicros(value));
        } catch (DateTimeException | IllegalArgumentException e) {
            return new Invalid(show(raw) + " does not match the format '" + pattern + "'");
        }
    }

    private static Result epoch(JsonNode raw) {
        BigDecimal epoch = number(raw);
        return epoch == null ? new Invalid(show(raw) + " is too large to be an epoch timestamp") : fromEpoch(epoch);
    }

    private static Result fromEpoch(BigDecimal epoch) {
        BigDecimal seconds = epoch.abs().compareTo(MILLIS_THRESHOLD) < 0 ? epoch : epoch.movePointLeft(3);
        try {
            BigDecimal micros = seconds.movePointRight(6).setScale(0, RoundingMode.HALF_UP);
            long totalMicros = micros.longValueExact();
            Instant instant = Instant.EPOCH.plus(totalMicros, ChronoUnit.MICROS);
            return new Ok(instant.atOffset(ZoneOffset.UTC));
        } catch (ArithmeticException | DateTimeException e) {
            return new Invalid(epoch.toPlainString() + " is too large to be an epoch timestamp");
        }
    }

    /**
     * ValueText writes years 1 to 9999 in the plain form PostgreSQL reads; it would refuse the same form for year 0
     * and earlier (it wants "BC") and for years past 9999 (Java adds a '+').
     */
    private static Result inWritableYears(JsonNode raw, Result result) {
        if (result instanceof Ok ok && ok.value() instanceof TemporalAccessor time) {
            int year = time.get(ChronoField.YEAR);
            if (year < 1 || year > 9999) {
                return new Invalid(show(raw) + " falls in the year " + year + ", outside the years 1 to 9999 this tool writes");
            }
        }
        return result;
    }

    private static OffsetDateTime utcMicros(OffsetDateTime value) {
        if (value.getOffset().equals(ZoneOffset.UTC) && value.getNano() % 1000 == 0) {
            return value;
        }
        OffsetDateTime utc = value.withOffsetSameInstant(ZoneOffset.UTC);
        long nanos = utc.getNano();
        long roundedMicros = Math.round(nanos / 1000.0);
        return utc.withNano(0).plus(roundedMicros, ChronoUnit.MICROS);
    }

    private static final Pattern LONG_YEAR = Pattern.compile("[+-]?(\\d{5,})-\\d\\d-\\d\\d.*");

    /**
     * Why a date as PostgreSQL prints it is outside the years this tool writes, or null: a BC date
     * ({@code 0044-03-15 BC}), a year of five digits or more, or PostgreSQL's {@code infinity}.
     */
    private static String outsideYears(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.endsWith(" bc")) {
            return " is a date before the year 1 (BC), outside the years 1 to 9999 this tool writes";
        }
        if (lower.equals("infinity") || lower.equals("-infinity")) {
            return " is PostgreSQL's " + lower + ", not a point in time; it is outside the years 1 to 9999 this tool writes";
        }
        Matcher year = LONG_YEAR.matcher(text);
        if (year.matches()) {
            return " falls in the year " + year.group(1).replaceFirst("^0+(?=\\d)", "") + ", outside the years 1 to 9999 this tool writes";
        }
        return null;
    }

    private static Result toDate(JsonNode raw, String format) {
        if (raw.isTextual() && format == null) {
            String text = raw.textValue().trim();
            try {
                return new Ok(LocalDate.parse(text, DATE_ONLY));
            } catch (DateTimeParseException e) {
                // may be a full timestamp; try below
            }
        }
        Result timestamp = toTimestamptz(raw, format);
        if (timestamp instanceof Ok ok && ok.value() instanceof OffsetDateTime value) {
            return new Ok(value.toLocalDate());
        }
        return timestamp instanceof Invalid invalid
                ? new Invalid(invalid.reason().replace("is not a timestamp", "is not a date")) : timestamp;
    }

    private static Result toJson(JsonNode raw) {
        JsonNode value = raw;
        if (raw.isTextual()) {
            try {
                value = Json.parse(raw.textValue());
            } catch (StreamConstraintsException e) {
                return new Invalid(show(raw) + " " + Json.limitProblem(e), true);
            } catch (JsonProcessingException e) {
                String detail = e.getOriginalMessage();
                int cut = detail.indexOf('\n');
                return new Invalid(show(raw) + " is not valid JSON: " + (cut > 0 ? detail.substring(0, cut) : detail)
                        + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
            } catch (NumberFormatException e) {
                return new Invalid(show(raw) + " holds a number whose exponent is out of range (e.g. 1e2147483648)");
            }
            if (value == null || value.isMissingNode()) {
                return new Invalid("empty text is not valid JSON");
            }
        }
        Invalid problem = jsonProblem(value, 1, false);
        if (problem != null) {
            return new Invalid((raw.isTextual() ? show(raw) + " " : "") + problem.reason(), problem.dropsRow());
        }
        return new Ok(value);
    }

    /**
     * What PostgreSQL (or writing the JSON text) would refuse in a JSON value, or null: nesting deeper than
     * {@link Json#MAX_DEPTH} (a pack of a value at the limit), a NUL character or an unpaired surrogate in a
     * string or key (NUL only when {@code nulEscaped} is false: JSON written as text escapes it), a number
     * whose exponent plain JSON cannot write (e.g. 1e10000), or an unreadable legacy value inside.
     * One walk over the tree; {@code depth} is the nesting level of {@code node} if it is a container.
     */
    private static Invalid jsonProblem(JsonNode node, int depth, boolean nulEscaped) {
        if (node.isTextual()) {
            return textProblem(node.textValue(), nulEscaped);
        }
        if (node instanceof POJONode) {
            Unreadable marker = Unreadable.of(node);
            return marker != null ? new Invalid(marker.reason(), marker.dropsRow()) : new Invalid("holds something that is not JSON", true);
        }
        if (node.isBigDecimal()) {
            BigDecimal number = node.decimalValue();
            long exponent = (long) number.precision() - number.scale();
            return exponent > 9999 || number.scale() > 9999 ? new Invalid("holds a number too large or too small to write as JSON") : null;
        }
        if (node.isContainerNode() && depth > Json.MAX_DEPTH) {
            return new Invalid("is nested deeper than " + Json.MAX_DEPTH + " levels (arrays and objects inside each other),"
                    + " the limit of this tool", true);
        }
        if (node.isObject()) {
            var fields = node.properties().iterator();
            while (fields.hasNext()) {
                var field = fields.next();
                Invalid problem = textProblem(field.getKey(), nulEscaped);
                if (problem == null) {
                    problem = jsonProblem(field.getValue(), depth + 1, nulEscaped);
                }
                if (problem != null) {
                    return problem;
                }
            }
        } else if (node.isArray()) {
            for (JsonNode item : node) {
                Invalid problem = jsonProblem(item, depth + 1, nulEscaped);
                if (problem != null) {
                    return problem;
                }
            }
        }
        return null;
    }

    private static Invalid textProblem(String text, boolean nulEscaped) {
        String checked = nulEscaped && text.indexOf('\0') >= 0 ? text.replace('\0', ' ') : text;
        int bad = StoredText.firstBad(checked);
        if (bad < 0) {
            return null;
        }
        return new Invalid(checked.charAt(bad) == 0 ? NUL_IN_JSON : StoredText.problem(checked));
    }

    private static final String NUL_IN_JSON = "contains a NUL character (\\u0000), which PostgreSQL jsonb cannot store";

    private static Result toArray(JsonNode raw, Coercion element, String format) {
        JsonNode array = raw;
        if (raw.isTextual()) {
            String text = raw.textValue().trim();
            if (text.startsWith("[")) {
                Result parsed = toJson(raw);
                if (parsed instanceof Invalid) {
                    return parsed;
                }
                array = (JsonNode) ((Ok) parsed).value();
            }
        }
        if (!array.isArray()) {
            return new Invalid(show(raw) + " is not a list (expected a JSON array)");
        }
        List<Object> values = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            Result item = coerce(array.get(i), ColumnType.of(element), format);
            if (item instanceof Invalid invalid) {
                return new Invalid("element " + i + ": " + invalid.reason(), invalid.dropsRow());
            }
            values.add(((Ok) item).value());
        }
        return new Ok(List.copyOf(values.stream().map(v -> v == null ? NullElement.INSTANCE : v).toList()));
    }

    /** JSON text for a message; a value beyond the writing limits is described instead of failing the message. */
    private static String written(JsonNode raw) {
        try {
            return Json.write(raw);
        } catch (IllegalStateException tooDeep) {
            return "(a JSON " + raw.getNodeType().name().toLowerCase(Locale.ROOT) + " nested deeper than " + Json.MAX_DEPTH + " levels)";
        }
    }

    /** Stands for a null inside an array (List.copyOf refuses nulls). */
    public enum NullElement { INSTANCE }

    /** A legacy value as a DBA would quote it in a message, shortened when long. */
    public static String show(JsonNode raw) {
        Unreadable marker = Unreadable.of(raw);
        String text = raw.isTextual() ? "'" + raw.textValue() + "'" : marker != null ? "'" + marker.shown() + "'"
                : raw.isContainerNode() && Unreadable.find(raw) != null ? "(a JSON value holding an unreadable part)" : written(raw);
        return text.length() > 80 ? text.substring(0, 77) + "…" : text;
    }
}
